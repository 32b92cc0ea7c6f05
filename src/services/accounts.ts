// Citizen accounts: registration (registry check, encrypted PII with blind indexes, one
// transaction), look-up by phone or document, passwords, and identity proofs that raise the level.

import { randomUUID } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { PopulationRegistry, RegistryVerdict } from '../adapters/population-registry/types.js';
import type { DB } from '../db/schema.js';
import type { Clock } from '../domain/clock.js';
import { certTypes, gb11643CheckChar, isCertType, MAX_DOCUMENT_INPUT, normaliseDocumentInput, validateDocument, type CertType } from '../domain/documents.js';
import { levelFromProofs, levelRank, type IdentityLevel, type ProofKind } from '../domain/levels.js';
import { checkPassword } from '../domain/password-policy.js';
import { parseMobile } from '../domain/phone.js';
import { AppError, NotFoundError, ValidationError } from '../errors/app-error.js';
import { findPasswordHash, replacePasswordHashIfUnchanged, upsertPasswordHash } from '../repositories/account-credentials.js';
import {
  findAccountWithProofs,
  findAccountWithProofsByPhoneIndex,
  findAccountIdByDocumentIndexes,
  findAccountIdByPhoneIndex,
  findForPasswordSignIn,
  insertAccount,
  insertAccountDocument,
  insertPhone,
  type AccountStatus,
  type AccountWithProofs,
} from '../repositories/accounts.js';
import { lockDocumentNumber } from '../repositories/document-locks.js';
import { familyIndexBound } from '../repositories/family-bindings.js';
import { insertIdentityProof } from '../repositories/identity-proofs.js';
import type { Audit } from './audit.js';
import type { IdentityLevels, NewProof } from './identity-levels.js';
import { piiAad } from './pii-aad.js';
import { MAX_PASSWORD_BYTES, type PasswordHasher } from './crypto/index.js';
import { isLegacyDigestHash, verifyLegacyDigestHash } from './crypto/legacy-hash.js';
import type { Secrets } from './secrets.js';
import { DuplicateError } from '../repositories/duplicates.js';
import { isUuid } from '../domain/ids.js';

export const conflictCodes = ['registration.document_taken', 'registration.phone_taken', 'registration.document_family_bound'] as const;
export type ConflictCode = (typeof conflictCodes)[number];

/** The document or phone already belongs to another account (HTTP 409); `field` names the form field. */
export class ConflictError extends AppError {
  readonly field: 'documentNumber' | 'phone';
  constructor(code: ConflictCode, field: 'documentNumber' | 'phone') {
    super(code, 409);
    this.name = 'ConflictError';
    this.field = field;
  }
}

export { piiAad };
export type { NewProof };

export interface RegisterInput {
  certType: CertType;
  /** Already normalised by validateDocument (checked again here). */
  documentNumber: string;
  name: string;
  phoneE164: string;
  password: string;
  channel: 'web' | 'app';
  ip?: string;
  requestId?: string;
}

export interface RegisterResult {
  accountId: string;
  level: IdentityLevel;
  registry: RegistryVerdict;
}

export interface AccountView {
  id: string;
  status: AccountStatus;
  /** Computed from the proofs of the identity the account holds now. */
  level: IdentityLevel;
  name?: string;
  certType?: CertType;
  documentNumber?: string;
  phoneE164?: string;
  needsPhone: boolean;
  createdAt: Date;
  /** The version of the policy texts the citizen agreed to; null when never asked (services/policy-acceptance.ts). */
  policyVersion: string | null;
  /** The proofs of the current identity only, oldest first. */
  proofs: Array<{ kind: ProofKind; level: IdentityLevel; adapter: string; createdAt: Date }>;
}

/**
 * An account as the provider's claims read it: the level is settled when it is loaded, personal
 * data is decrypted (and its tag checked) only when a claim that releases it is built. An account
 * whose proofs could raise its level decrypts name and document at load: the level depends on them.
 */
export interface ClaimsAccount {
  id: string;
  status: AccountStatus;
  level: IdentityLevel;
  certType?: CertType;
  /** The version of the policy texts agreed to (null: never asked); the interaction policy compares it. */
  policyVersion: string | null;
  /** The proofs of the current identity (empty when no proof could raise the level). */
  proofs: AccountView['proofs'];
  name(): string | undefined;
  documentNumber(): string | undefined;
  phoneE164(): string | undefined;
}

/** The account an identifier names, as a password sign-in reads it: verified and viewed without reading again. */
export interface PasswordCandidate {
  /** Undefined when the identifier names no account. */
  accountId: string | undefined;
  /** As verifyPassword, against the credential read with the account (the dummy hash when there is none). */
  verify(password: string): Promise<boolean>;
  /** The account as read with the identifier, decrypted (call it after a verified password). */
  view(): AccountView | undefined;
}

/** Who caused a change, for the audit trail. */
export interface ChangeContext {
  actor?: string;
  ip?: string;
  requestId?: string;
}

export interface AccountService {
  /** Throws ValidationError (bad document, phone, empty name, password policy) or ConflictError (document or phone taken). */
  register(input: RegisterInput): Promise<RegisterResult>;
  /**
   * `raw` as typed into 账号 (a mainland mobile, else a document number of any type): the account it
   * names, read once with its password credential for a password sign-in (one statement).
   */
  findPasswordCandidate(raw: string): Promise<PasswordCandidate>;
  findAccountIdByPhone(phoneE164: string): Promise<string | undefined>;
  /** The account holding the number, read and decrypted as getAccount does (one statement). */
  getAccountByPhone(phoneE164: string): Promise<AccountView | undefined>;
  /** Accepts what people type (lower-case x, 15-digit legacy resident IDs, full-width digits). */
  findAccountIdByDocument(documentNumber: string): Promise<string | undefined>;
  /** Decrypted: callers mask for display. Undefined for an unknown or malformed id. */
  getAccount(accountId: string): Promise<AccountView | undefined>;
  /**
   * The same account for the provider's claims, decrypting only what is read (see ClaimsAccount).
   * `alreadyRead`: this account as a token's look-up read it in the same request (used only when its id is `accountId`).
   */
  getAccountForClaims(accountId: string, alreadyRead?: AccountWithProofs | null): Promise<ClaimsAccount | undefined>;
  /** False when the password is wrong, there is no credential, or the account is disabled (the time spent is the same). */
  verifyPassword(accountId: string, password: string): Promise<boolean>;
  /** Throws NotFoundError for an unknown account, ValidationError when the password breaks the policy. */
  setPassword(accountId: string, password: string, context?: ChangeContext): Promise<void>;
  /** Records the proof (of the identity it names) and returns the recomputed level. Throws NotFoundError for an unknown account. */
  addProof(accountId: string, proof: NewProof, context?: ChangeContext): Promise<IdentityLevel>;
  documentTaken(documentNumber: string): Promise<boolean>;
  phoneTaken(phoneE164: string): Promise<boolean>;
}

export interface AccountServiceDeps {
  db: Kysely<DB>;
  secrets: Pick<Secrets, 'cipher' | 'blindIndex'>;
  hasher: PasswordHasher;
  registry: PopulationRegistry;
  clock: Clock;
  audit: Audit;
  levels: IdentityLevels;
  /** Written into `identity_proofs.adapter` for registry matches; default 'population-registry'. */
  registryAdapterName?: string;
  /**
   * The version of 《隐私政策》 and 《个人证件信息处理规则》 in force: register() is only reached once the
   * citizen ticked both boxes beside them, so a new account records it. Unset: recorded as never asked.
   */
  policyVersion?: string;
}


/**
 * The normalised numbers a typed document number may stand for: as a resident ID (01, which
 * upgrades 15-digit legacy numbers) first, then as each other type it fits, then as typed.
 */
export function documentCandidates(raw: string, today: Date): string[] {
  if (typeof raw !== 'string' || raw.length > MAX_DOCUMENT_INPUT * 4) return [];
  const out: string[] = [];
  for (const certType of certTypes) {
    const result = validateDocument(certType, raw, today);
    if (result.ok && !out.includes(result.number)) out.push(result.number);
  }
  const typed = normaliseDocumentInput(raw);
  if (typed.length > 0 && typed.length <= MAX_DOCUMENT_INPUT && !out.includes(typed)) out.push(typed);
  return out;
}

/**
 * One canonical string per identifier however it was typed (mobile → E.164, document → upper-case
 * ASCII, 15-digit resident ID → 18), for keys such as the lockout of unknown identifiers. Pure.
 */
export function canonicalIdentifier(raw: string): string {
  const text = typeof raw === 'string' ? raw.slice(0, MAX_DOCUMENT_INPUT * 4) : '';
  const mobile = parseMobile(text);
  if (mobile.ok) return mobile.e164;
  const number = normaliseDocumentInput(text);
  if (/^\d{15}$/.test(number)) {
    const first17 = `${number.slice(0, 6)}19${number.slice(6)}`;
    return `${first17}${gb11643CheckChar(first17)}`;
  }
  return number;
}

/**
 * Takes a document number for `accountId` inside the caller's transaction, by the rule every path
 * that gives an account a document follows (registration, the real-name correction): serialise on
 * the number, then refuse it when it is bound as a family number or held by another account.
 * Throws ConflictError ('registration.document_family_bound' or 'registration.document_taken').
 */
export async function claimDocumentNumber(trx: Transaction<DB>, numberIndex: string, accountId: string): Promise<void> {
  // A family binding or another claim of this number at the same moment waits here, then sees this one.
  await lockDocumentNumber(trx, numberIndex);
  if (await familyIndexBound(trx, [numberIndex])) throw new ConflictError('registration.document_family_bound', 'documentNumber');
  const holder = await findAccountIdByDocumentIndexes(trx, [numberIndex]);
  if (holder !== undefined && holder !== accountId) throw new ConflictError('registration.document_taken', 'documentNumber');
}

export function createAccountService(deps: AccountServiceDeps): AccountService {
  const { db, hasher, registry, clock, audit, levels } = deps;
  const { cipher, blindIndex } = deps.secrets;
  const registryAdapterName = deps.registryAdapterName ?? 'population-registry';

  async function findByDocument(raw: string): Promise<string | undefined> {
    const candidates = documentCandidates(raw, clock.now());
    return findAccountIdByDocumentIndexes(db, candidates.map((n) => blindIndex('document', n)));
  }

  async function findByPhone(raw: string): Promise<string | undefined> {
    const mobile = parseMobile(raw);
    return mobile.ok ? findAccountIdByPhoneIndex(db, blindIndex('phone', mobile.e164)) : undefined;
  }

  async function askRegistry(certType: CertType, number: string, name: string): Promise<RegistryVerdict> {
    try {
      return await registry.verify(certType, number, name);
    } catch {
      return 'unavailable'; // the port promises never to throw; a broken adapter must not block registration
    }
  }

  async function register(input: RegisterInput): Promise<RegisterResult> {
    const now = clock.now();
    const document = validateDocument(input.certType, input.documentNumber, now);
    if (!document.ok) throw new ValidationError(document.code, 'documentNumber');
    const phone = parseMobile(input.phoneE164);
    if (!phone.ok) throw new ValidationError(phone.code, 'phone');
    const name = typeof input.name === 'string' ? input.name.trim() : '';
    if (name.length === 0) throw new ValidationError('registration.name_required', 'name');
    const policy = checkPassword(input.password, { phone: phone.e164, documentNumber: document.number });
    if (!policy.ok) throw new ValidationError(policy.codes[0], 'password');

    const numberIndex = blindIndex('document', document.number);
    const phoneIndex = blindIndex('phone', phone.e164);
    if (await findAccountIdByDocumentIndexes(db, [numberIndex])) throw new ConflictError('registration.document_taken', 'documentNumber');
    if (await findAccountIdByPhoneIndex(db, phoneIndex)) throw new ConflictError('registration.phone_taken', 'phone');

    const [hash, verdict] = await Promise.all([hasher.hash(input.password), askRegistry(input.certType, document.number, name)]);
    const accountId = randomUUID();
    const identityKey = levels.keyOf({ certType: input.certType, number: document.number, name });
    const proofs = verdict === 'match' ? [{ kind: 'registry_match', level: 'real_name', identityKey } as const] : [];
    const level = levels.levelOf({ certType: input.certType, number: document.number, name }, proofs).level;
    const at = clock.now();
    try {
      await db.transaction().execute(async (trx) => {
        await claimDocumentNumber(trx, numberIndex, accountId);
        await insertAccount(trx, {
          id: accountId,
          nameEnvelope: cipher.encrypt(name, piiAad.name(accountId)),
          needsPhone: false,
          now: at,
          ...(deps.policyVersion !== undefined ? { policyVersion: deps.policyVersion } : {}),
        });
        await insertAccountDocument(trx, {
          accountId,
          certType: input.certType,
          numberEnvelope: cipher.encrypt(document.number, piiAad.documentNumber(accountId)),
          numberIndex,
          now: at,
        });
        await insertPhone(trx, { accountId, phoneEnvelope: cipher.encrypt(phone.e164, piiAad.phone(accountId)), phoneIndex, verifiedAt: at });
        await upsertPasswordHash(trx, accountId, hash, at);
        for (const proof of proofs) {
          const reference = `registry:${at.toISOString().slice(0, 10)}`;
          await insertIdentityProof(trx, { id: randomUUID(), accountId, ...proof, adapter: registryAdapterName, reference, now: at });
        }
      });
    } catch (err) {
      if (err instanceof ConflictError) throw err;
      // A parallel registration won the race between our pre-check and insert.
      const constraint = err instanceof DuplicateError ? err.constraint : undefined;
      if (constraint === 'account_documents_number_index_key') throw new ConflictError('registration.document_taken', 'documentNumber');
      if (constraint === 'phones_phone_index_key') throw new ConflictError('registration.phone_taken', 'phone');
      throw err;
    }
    await audit.record({
      event: 'account.registered',
      outcome: 'success',
      subject: accountId,
      ip: input.ip,
      requestId: input.requestId,
      details: { channel: input.channel, level, registry: verdict },
    });
    return { accountId, level, registry: verdict };
  }

  async function getAccount(accountId: string): Promise<AccountView | undefined> {
    if (!isUuid(accountId)) return undefined;
    const found = await findAccountWithProofs(db, accountId);
    return found && viewOf(found);
  }

  async function getAccountByPhone(raw: string): Promise<AccountView | undefined> {
    const mobile = parseMobile(raw);
    const found = mobile.ok ? await findAccountWithProofsByPhoneIndex(db, blindIndex('phone', mobile.e164)) : undefined;
    return found && viewOf(found);
  }

  /** The account decrypted, with its level from the proofs of its current identity. */
  function viewOf(found: AccountWithProofs): AccountView {
    const { account: row, proofs } = found;
    const name = row.nameEnvelope === null ? undefined : cipher.decrypt(row.nameEnvelope, piiAad.name(row.id));
    const documentNumber = row.numberEnvelope === null ? undefined : cipher.decrypt(row.numberEnvelope, piiAad.documentNumber(row.id));
    const { identityKey, level } = levels.levelOf({ certType: row.certType, number: documentNumber, name }, proofs);
    const view: AccountView = {
      id: row.id,
      status: row.status,
      level,
      needsPhone: row.needsPhone,
      createdAt: row.createdAt,
      policyVersion: row.policyVersion,
      proofs: proofs.filter((p) => p.identityKey === identityKey).map((p) => ({ kind: p.kind, level: p.level, adapter: p.adapter, createdAt: p.createdAt })),
    };
    if (name !== undefined) view.name = name;
    if (row.certType !== null && isCertType(row.certType)) view.certType = row.certType;
    if (documentNumber !== undefined) view.documentNumber = documentNumber;
    if (row.phoneEnvelope !== null) view.phoneE164 = cipher.decrypt(row.phoneEnvelope, piiAad.phone(row.id));
    return view;
  }

  async function getAccountForClaims(accountId: string, alreadyRead?: AccountWithProofs | null): Promise<ClaimsAccount | undefined> {
    if (!isUuid(accountId)) return undefined;
    // A read of another account is never used for this one (its level would be carried over).
    const usable = alreadyRead === null || (alreadyRead !== undefined && alreadyRead.account.id === accountId);
    const found = usable ? (alreadyRead ?? undefined) : await findAccountWithProofs(db, accountId);
    if (!found) return undefined;
    const { account: row, proofs } = found;
    const once = <T>(read: () => T): (() => T) => {
      let done = false;
      let value: T;
      return () => {
        if (!done) {
          value = read();
          done = true;
        }
        return value;
      };
    };
    const name = once(() => (row.nameEnvelope === null ? undefined : cipher.decrypt(row.nameEnvelope, piiAad.name(row.id))));
    const documentNumber = once(() => (row.numberEnvelope === null ? undefined : cipher.decrypt(row.numberEnvelope, piiAad.documentNumber(row.id))));
    const phoneE164 = once(() => (row.phoneEnvelope === null ? undefined : cipher.decrypt(row.phoneEnvelope, piiAad.phone(row.id))));
    // The most these proofs could give if every one were of the current identity: 'registered'
    // means the identity key (and so the name and document behind it) cannot change the level.
    const ceiling = levelFromProofs(proofs.map((p) => ({ ...p, identityKey: '*' })), '*');
    let level: IdentityLevel = 'registered';
    let ownProofs: ClaimsAccount['proofs'] = [];
    if (ceiling !== 'registered') {
      const current = levels.levelOf({ certType: row.certType, number: documentNumber(), name: name() }, proofs);
      level = current.level;
      ownProofs = proofs.filter((p) => p.identityKey === current.identityKey).map((p) => ({ kind: p.kind, level: p.level, adapter: p.adapter, createdAt: p.createdAt }));
    }
    return {
      id: row.id,
      status: row.status,
      level,
      ...(row.certType !== null && isCertType(row.certType) ? { certType: row.certType } : {}),
      policyVersion: row.policyVersion,
      proofs: ownProofs,
      name,
      documentNumber,
      phoneE164,
    };
  }

  /**
   * A native bcrypt hash is verified as it is. An imported one (salted digest, or bcrypt at another
   * cost) first spends one bcrypt verification at the configured cost, so no answer comes faster
   * than a native account's.
   */
  async function verifyStoredHash(password: string, stored: string): Promise<boolean> {
    if (isLegacyDigestHash(stored)) {
      await hasher.verifyAgainstDummy(password);
      return typeof password === 'string' && Buffer.byteLength(password, 'utf8') <= MAX_PASSWORD_BYTES && verifyLegacyDigestHash(password, stored);
    }
    if (hasher.needsRehash(stored)) await hasher.verifyAgainstDummy(password);
    return hasher.verify(password, stored);
  }

  async function verifyPassword(accountId: string, password: string): Promise<boolean> {
    return verifyCredential(accountId, password, isUuid(accountId) ? await findPasswordHash(db, accountId) : undefined);
  }

  async function findPasswordCandidate(raw: string): Promise<PasswordCandidate> {
    const mobile = parseMobile(raw);
    const documentIndexes = documentCandidates(raw, clock.now()).map((n) => blindIndex('document', n));
    const read = await findForPasswordSignIn(db, mobile.ok ? blindIndex('phone', mobile.e164) : null, documentIndexes);
    return {
      accountId: read.accountId,
      verify: (password) => verifyCredential(read.accountId, password, read.credential),
      view: () => read.found && viewOf(read.found),
    };
  }

  /** One bcrypt verification whether or not there is a credential; a disabled account's is never accepted. */
  async function verifyCredential(accountId: string | undefined, password: string, credential: { hash: string; status: AccountStatus } | undefined): Promise<boolean> {
    if (!accountId || !credential) return hasher.verifyAgainstDummy(password);
    const ok = await verifyStoredHash(password, credential.hash);
    if (!ok || credential.status !== 'active') return false;
    // An imported or older hash becomes a current one on the first sign-in, unless it changed meanwhile.
    if (hasher.needsRehash(credential.hash)) await replacePasswordHashIfUnchanged(db, accountId, credential.hash, await hasher.hash(password), clock.now());
    return true;
  }

  async function setPassword(accountId: string, password: string, context: ChangeContext = {}): Promise<void> {
    const account = await getAccount(accountId);
    if (!account) throw new NotFoundError();
    const policy = checkPassword(password, { phone: account.phoneE164, documentNumber: account.documentNumber });
    if (!policy.ok) throw new ValidationError(policy.codes[0], 'password');
    await upsertPasswordHash(db, accountId, await hasher.hash(password), clock.now());
    await audit.record({ event: 'account.password_changed', outcome: 'success', subject: accountId, ...context });
  }

  async function addProof(accountId: string, proof: NewProof, context: ChangeContext = {}): Promise<IdentityLevel> {
    if (!isUuid(accountId)) throw new NotFoundError();
    const now = clock.now();
    const { from, to } = await db.transaction().execute((trx) => levels.record(trx, accountId, proof, now));
    if (levelRank(to) > levelRank(from)) {
      await audit.record({
        event: 'account.level_changed',
        outcome: 'success',
        subject: accountId,
        ...context,
        details: { from, to, kind: proof.kind, adapter: proof.adapter },
      });
    }
    return to;
  }

  return {
    register,
    findPasswordCandidate,
    findAccountIdByPhone: findByPhone,
    findAccountIdByDocument: findByDocument,
    getAccount,
    getAccountByPhone,
    getAccountForClaims,
    verifyPassword,
    setPassword,
    addProof,
    documentTaken: async (documentNumber) => (await findByDocument(documentNumber)) !== undefined,
    phoneTaken: async (phoneE164) => (await findByPhone(phoneE164)) !== undefined,
  };
}
