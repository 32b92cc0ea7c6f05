// The operators' actions, one implementation for the staff console and the CLI: relying parties
// (create, update, rotate secret, disable and enable), citizens found by exact document or phone
// (masked), unlock, password-reset SMS, revoke sessions, the filtered audit export. Every change is
// audited with who, role, reason, target.

import { supportedScopes } from '../oidc/claims.js';
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import type { Clock } from '../domain/clock.js';
import type { IdentityLevel } from '../domain/levels.js';
import { maskDocument, maskName, maskPhone } from '../domain/masking.js';
import { AppError, NotFoundError, ValidationError } from '../errors/app-error.js';
import { generateClientSecret, type ClientMetadata, type ClientStore } from '../oidc/client-store.js';
import { rotateKeys } from '../oidc/keys.js';
import type { SecretBox } from '../oidc/secret-box.js';
import { deleteProviderRowsOfAccount, sessionModels, tokenModels } from '../repositories/account-revocation.js';
import { deleteAccountSessionsOf, findLockRow, readFilteredAuditEvents, type AuditFilter } from '../repositories/operator-queries.js';
import type { AccountService } from '../services/accounts.js';
import type { Audit } from '../services/audit.js';
import { accountLockoutKey, type Lockout } from '../services/lockout.js';
import type { SmsCodeService } from '../services/sms-codes.js';

/** Who acts: the CLI (a shell on the server), or a signed-in staff member in one of their roles. */
export type Actor = { kind: 'cli' } | { kind: 'staff'; staffId: string; role: string };

export const actorName = (actor: Actor) => (actor.kind === 'cli' ? 'cli' : `staff:${actor.staffId}`);
const actorDetails = (actor: Actor) => (actor.kind === 'cli' ? {} : { role: actor.role });

export interface ClientInput {
  name?: string | undefined;
  redirectUris?: string[] | undefined;
  postLogoutRedirectUris?: string[] | undefined;
  public?: boolean | undefined;
  firstParty?: boolean | undefined;
  catalogue?: boolean | undefined;
  description?: string | undefined;
  requiredLevel?: string | undefined;
  grants?: string[] | undefined;
  /** Extra scopes the client may ask for (e.g. `cases:write`), space-separated in the metadata. */
  scopes?: string[] | undefined;
  backchannelLogoutUri?: string | undefined;
  clientUri?: string | undefined;
  introspects?: string[] | undefined;
  /** Where the client receives signed 好差评 events (operator-only metadata, see the cases API). */
  casesWebhookUri?: string | undefined;
}

export interface CitizenSummary {
  accountId: string;
  status: string;
  level: IdentityLevel;
  maskedName: string | undefined;
  maskedDocument: string | undefined;
  maskedPhone: string | undefined;
  createdAt: Date;
  proofs: Array<{ kind: string; level: IdentityLevel; adapter: string; createdAt: Date }>;
  lock: { failures: number; lockedUntil: Date | undefined };
}

export interface Operations {
  createClient(input: ClientInput, actor: Actor): Promise<{ clientId: string; secret: string | undefined }>;
  /** Changes the named fields; throws NotFoundError, or AppError for a file-managed client. */
  updateClient(clientId: string, patch: ClientInput, actor: Actor, reason?: string): Promise<ClientMetadata>;
  /**
   * Disables (or enables again) a client, any source: while disabled the provider and the cases API
   * find no such client (no authorization, no token, its tokens refused). Throws NotFoundError.
   */
  setClientDisabled(clientId: string, disabled: boolean, actor: Actor, reason: string): Promise<void>;
  /** A new secret, shown once; the old one stops working at once. */
  rotateClientSecret(clientId: string, actor: Actor, reason?: string): Promise<string>;
  /** Exact match only (blind index): a mainland mobile or a document number. */
  findCitizen(by: 'document' | 'phone', value: string): Promise<string | undefined>;
  citizen(accountId: string): Promise<CitizenSummary | undefined>;
  unlock(accountId: string, actor: Actor, reason: string): Promise<boolean>;
  /**
   * 客服: a password-reset code by SMS to the account's bound phone (the citizen enters it on
   * /recover/desk and sets a new password there). The caller never sees the code. Throws
   * NotFoundError, AppError('console.citizen.no_phone', 409) or RateLimitedError.
   */
  startPasswordReset(accountId: string, actor: Actor, reason: string): Promise<{ maskedPhone: string; expiresInSeconds: number }>;
  /** Ends every sign-in of the account: user-centre sessions, provider sessions, tokens and grants. */
  revokeSessions(accountId: string, actor: Actor, reason: string): Promise<number>;
  exportAudit(filter: AuditFilter): AsyncIterable<Record<string, unknown>>;
  /** New signing (or cookie) keys; the retired ones stay published for `publishSeconds`. */
  rotateKeys(use: 'sig' | 'cookie', publishSeconds: number, actor: Actor, reason?: string): Promise<void>;
}

export interface OperationsDeps {
  db: Kysely<DB>;
  clock: Clock;
  audit: Audit;
  clients: ClientStore;
  accounts: Pick<AccountService, 'findAccountIdByDocument' | 'findAccountIdByPhone' | 'getAccount'>;
  lockout: Pick<Lockout, 'reset'>;
  /** Sends the 客服 password-reset code (the number's limits plus one per staff member). */
  sms: Pick<SmsCodeService, 'sendForStaff'>;
  /** The box signing keys are sealed with (secrets.cipher). */
  box: SecretBox;
}

const levels = ['registered', 'real_name', 'real_person'];
/** Password-reset SMS one staff member (or the CLI) may start per hour. */
export const staffResetSmsPerHour = 30;
const grantTypes = ['authorization_code', 'refresh_token', 'client_credentials'];

function checkUris(uris: readonly string[]): void {
  for (const uri of uris) {
    try {
      new URL(uri);
    } catch {
      throw new ValidationError('console.clients.bad_uri', 'redirectUris');
    }
  }
}

/** The metadata fields a ClientInput sets (only those it names). */
function fieldsOf(input: ClientInput): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (input.name !== undefined) {
    if (input.name.trim() === '') throw new ValidationError('console.clients.name_required', 'name');
    out.client_name = input.name.trim();
  }
  if (input.redirectUris !== undefined) (checkUris(input.redirectUris), (out.redirect_uris = input.redirectUris));
  if (input.postLogoutRedirectUris !== undefined) (checkUris(input.postLogoutRedirectUris), (out.post_logout_redirect_uris = input.postLogoutRedirectUris));
  if (input.firstParty !== undefined) out.first_party = input.firstParty;
  if (input.catalogue !== undefined) out.public_service = input.catalogue;
  if (input.description !== undefined) out.service_description = input.description;
  if (input.requiredLevel !== undefined) {
    if (input.requiredLevel !== '' && !levels.includes(input.requiredLevel)) throw new ValidationError('console.clients.bad_level', 'requiredLevel');
    out.required_level = input.requiredLevel || undefined;
  }
  if (input.scopes !== undefined) {
    if (!input.scopes.every((s) => /^[a-z][a-z0-9_.:-]{0,63}$/.test(s))) throw new ValidationError('console.clients.bad_scope', 'scopes');
    // Extra scopes are added to the standard ones (a `scope` naming only these would take the rest away).
    out.scope = [...new Set([...supportedScopes, ...input.scopes])].join(' ');
  }
  if (input.grants !== undefined) {
    if (!input.grants.every((g) => grantTypes.includes(g))) throw new ValidationError('console.clients.bad_grant', 'grants');
    out.grant_types = input.grants;
    out.response_types = input.grants.includes('authorization_code') ? ['code'] : [];
  }
  if (input.backchannelLogoutUri !== undefined) (input.backchannelLogoutUri && checkUris([input.backchannelLogoutUri]), (out.backchannel_logout_uri = input.backchannelLogoutUri || undefined));
  if (input.clientUri !== undefined) (input.clientUri && checkUris([input.clientUri]), (out.client_uri = input.clientUri || undefined));
  if (input.introspects !== undefined) out.introspection_audiences = input.introspects.length ? input.introspects : undefined;
  if (input.casesWebhookUri !== undefined) (input.casesWebhookUri && checkUris([input.casesWebhookUri]), (out.cases_webhook_uri = input.casesWebhookUri || undefined));
  return out;
}

/** A written reason an action needs (4–500 characters): it goes to the audit trail. */
export function requiredReason(value: string | undefined): string {
  const reason = (value ?? '').trim();
  if (reason.length < 4 || reason.length > 500) throw new ValidationError('console.reason_required', 'reason');
  return reason;
}

const withoutUndefined = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));

export function createOperations(deps: OperationsDeps): Operations {
  const { db, clock, audit, clients, accounts, lockout } = deps;

  const editable = async (clientId: string) => {
    const stored = await clients.lookup(clientId);
    if (!stored) throw new NotFoundError();
    const { metadata, source } = stored;
    // A CLIENTS_FILE client is written again from the file at every start: edit the file instead.
    if (source === 'file') throw new AppError('console.clients.file_managed', 409);
    return { metadata, source };
  };

  return {
    async createClient(input, actor) {
      if (!input.name) throw new ValidationError('console.clients.name_required', 'name');
      const grants = input.grants ?? ['authorization_code', 'refresh_token'];
      if (grants.includes('authorization_code') && (input.redirectUris ?? []).length === 0) throw new ValidationError('console.clients.redirect_required', 'redirectUris');
      const clientId = `rp-${randomBytes(8).toString('hex')}`;
      const secret = input.public ? undefined : generateClientSecret();
      const metadata: ClientMetadata = {
        client_id: clientId,
        redirect_uris: [],
        post_logout_redirect_uris: [],
        token_endpoint_auth_method: input.public ? 'none' : 'client_secret_basic',
        ...withoutUndefined(fieldsOf({ ...input, grants, firstParty: input.firstParty || undefined, catalogue: input.catalogue || undefined })),
        ...(secret ? { client_secret: secret } : {}),
      };
      await clients.save(metadata, 'cli');
      await audit.record({ event: 'client.added', outcome: 'success', actor: actorName(actor), details: { clientId, name: input.name, ...actorDetails(actor) } });
      return { clientId, secret };
    },

    async updateClient(clientId, patch, actor, reason) {
      const { metadata, source } = await editable(clientId);
      const changes = fieldsOf(patch);
      const next = withoutUndefined({ ...metadata, ...changes }) as ClientMetadata;
      if ((next.grant_types as string[] | undefined)?.includes('authorization_code') && ((next.redirect_uris as string[] | undefined) ?? []).length === 0) {
        throw new ValidationError('console.clients.redirect_required', 'redirectUris');
      }
      await clients.save(next, source);
      await audit.record({
        event: 'client.updated',
        outcome: 'success',
        actor: actorName(actor),
        details: { clientId, fields: Object.keys(changes), ...actorDetails(actor), ...(reason ? { reason } : {}) },
      });
      const { client_secret: _secret, ...shown } = next;
      return shown as ClientMetadata;
    },

    async setClientDisabled(clientId, disabled, actor, reason) {
      const why = requiredReason(reason);
      if (!(await clients.setDisabled(clientId, disabled ? clock.now() : undefined))) throw new NotFoundError();
      await audit.record({ event: disabled ? 'client.disabled' : 'client.enabled', outcome: 'success', actor: actorName(actor), details: { clientId, reason: why, ...actorDetails(actor) } });
    },

    async rotateClientSecret(clientId, actor, reason) {
      const { metadata, source } = await editable(clientId);
      if (metadata.token_endpoint_auth_method === 'none') throw new AppError('console.clients.public_no_secret', 409);
      const secret = generateClientSecret();
      await clients.save({ ...metadata, client_secret: secret }, source);
      await audit.record({ event: 'client.secret_rotated', outcome: 'success', actor: actorName(actor), details: { clientId, ...actorDetails(actor), ...(reason ? { reason } : {}) } });
      return secret;
    },

    findCitizen: (by, value) => (by === 'phone' ? accounts.findAccountIdByPhone(value) : accounts.findAccountIdByDocument(value)),

    async citizen(accountId) {
      const view = await accounts.getAccount(accountId);
      if (!view) return undefined;
      const lock = await findLockRow(db, accountLockoutKey(accountId));
      const lockedUntil = lock?.lockedUntil && lock.lockedUntil > clock.now() ? lock.lockedUntil : undefined;
      return {
        accountId: view.id,
        status: view.status,
        level: view.level,
        maskedName: view.name ? maskName(view.name) : undefined,
        maskedDocument: view.documentNumber ? maskDocument(view.documentNumber) : undefined,
        maskedPhone: view.phoneE164 ? maskPhone(view.phoneE164) : undefined,
        createdAt: view.createdAt,
        proofs: view.proofs,
        // A lapsed lock counts afresh at the next attempt: show no failures for it.
        lock: { failures: lock && (lockedUntil || !lock.lockedUntil) ? lock.failures : 0, lockedUntil },
      };
    },

    async unlock(accountId, actor, reason) {
      if (!(await accounts.getAccount(accountId))) throw new NotFoundError();
      const before = await findLockRow(db, accountLockoutKey(accountId));
      await lockout.reset(accountLockoutKey(accountId));
      await audit.record({
        event: 'account.unlocked',
        outcome: 'success',
        actor: actorName(actor),
        subject: accountId,
        details: { reason, wasLocked: Boolean(before?.lockedUntil && before.lockedUntil > clock.now()), ...actorDetails(actor) },
      });
      return before !== undefined;
    },

    async startPasswordReset(accountId, actor, reason) {
      const why = requiredReason(reason);
      const account = await accounts.getAccount(accountId);
      if (!account) throw new NotFoundError();
      if (!account.phoneE164) throw new AppError('console.citizen.no_phone', 409);
      const { expiresInSeconds } = await deps.sms.sendForStaff({ purpose: 'desk_reset', phoneE164: account.phoneE164, actorKey: actorName(actor), actorPerHour: staffResetSmsPerHour });
      const maskedPhone = maskPhone(account.phoneE164);
      await audit.record({ event: 'staff.password_reset_sent', outcome: 'success', actor: actorName(actor), subject: accountId, details: { reason: why, phone: maskedPhone, ...actorDetails(actor) } });
      return { maskedPhone, expiresInSeconds };
    },

    async revokeSessions(accountId, actor, reason) {
      const why = requiredReason(reason);
      if (!(await accounts.getAccount(accountId))) throw new NotFoundError();
      const ended = await db.transaction().execute(async (trx) => (await deleteProviderRowsOfAccount(trx, accountId, [...sessionModels, ...tokenModels])) + (await deleteAccountSessionsOf(trx, accountId)));
      await audit.record({ event: 'account.sessions_revoked', outcome: 'success', actor: actorName(actor), subject: accountId, details: { reason: why, ended, ...actorDetails(actor) } });
      return ended;
    },

    async rotateKeys(use, publishSeconds, actor, reason) {
      await rotateKeys(db, deps.box, clock, use, publishSeconds);
      await audit.record({ event: 'keys.rotated', outcome: 'success', actor: actorName(actor), details: { use, ...actorDetails(actor), ...(reason ? { reason } : {}) } });
    },

    async *exportAudit(filter) {
      for await (const row of readFilteredAuditEvents(db, filter)) yield { ...row, id: String(row.id), at: row.at.toISOString() };
    },
  };
}
