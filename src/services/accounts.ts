// Citizen accounts: registration (registry check, encrypted PII with blind indexes, one
// transaction), look-up by phone or document, passwords, and identity proofs that raise the level.

import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { PopulationRegistry, RegistryVerdict } from '../adapters/population-registry/types.js';
import type { DB } from '../db/schema.js';
import type { Clock } from '../domain/clock.js';
import { certTypes, gb11643CheckChar, isCertType, MAX_DOCUMENT_INPUT, normaliseDocumentInput, validateDocument, type CertType } from '../domain/documents.js';
import { levelFromProofs, levelRank, maxLevel, type IdentityLevel, type ProofKind } from '../domain/levels.js';
import { checkPassword } from '../domain/password-policy.js';
import { parseMobile } from '../domain/phone.js';
import { AppError, NotFoundError, ValidationError } from '../errors/app-error.js';
import { findPasswordHash, upsertPasswordHash } from '../repositories/account-credentials.js';
import {
  findAccountWithProofs,
  findAccountIdByDocumentIndexes,
  findAccountIdByPhoneIndex,
  insertAccount,
  insertAccountDocument,
  insertPhone,
  lockAccountLevel,
  updateAccountLevel,
  type AccountStatus,
} from '../repositories/accounts.js';
import { lockDocumentNumber } from '../repositories/document-locks.js';
import { familyIndexBound } from '../repositories/family-bindings.js';
import { insertIdentityProof, listIdentityProofs } from '../repositories/identity-proofs.js';
import type { Audit } from './audit.js';
import type { PasswordHasher } from './crypto/index.js';
import type { Secrets } from './secrets.js';

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

/** AAD of each encrypted column, bound to the row's account so a ciphertext cannot be moved. */
export const piiAad = {
  name: (accountId: string) => `accounts.name:${accountId}`,
  documentNumber: (accountId: string) => `account_documents.number:${accountId}`,
  phone: (accountId: string) => `phones.phone:${accountId}`,
} as const;

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
  level: IdentityLevel;
  name?: string;
  certType?: CertType;
  documentNumber?: string;
  phoneE164?: string;
  needsPhone: boolean;
  createdAt: Date;
  proofs: Array<{ kind: ProofKind; level: IdentityLevel; adapter: string; createdAt: Date }>;
}

export interface NewProof {
  kind: ProofKind;
  level: IdentityLevel;
  adapter: string;
  reference?: string;
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
  /** `raw` as typed into 账号: a mainland mobile or a document number of any type. */
  findAccountIdByIdentifier(raw: string): Promise<string | undefined>;
  findAccountIdByPhone(phoneE164: string): Promise<string | undefined>;
  /** Accepts what people type (lower-case x, 15-digit legacy resident IDs, full-width digits). */
  findAccountIdByDocument(documentNumber: string): Promise<string | undefined>;
  /** Decrypted: callers mask for display. Undefined for an unknown or malformed id. */
  getAccount(accountId: string): Promise<AccountView | undefined>;
  /** False when the password is wrong, there is no credential, or the account is disabled (the time spent is the same). */
  verifyPassword(accountId: string, password: string): Promise<boolean>;
  /** Throws NotFoundError for an unknown account, ValidationError when the password breaks the policy. */
  setPassword(accountId: string, password: string, context?: ChangeContext): Promise<void>;
  /** Adds the proof and returns the recomputed level (never lower). Throws NotFoundError for an unknown account. */
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
  /** Written into `identity_proofs.adapter` for registry matches; default 'population-registry'. */
  registryAdapterName?: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

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

function uniqueViolationConstraint(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const { code, constraint } = err as { code?: unknown; constraint?: unknown };
  if (code !== '23505') return undefined;
  return typeof constraint === 'string' ? constraint : '';
}

export function createAccountService(deps: AccountServiceDeps): AccountService {
  const { db, hasher, registry, clock, audit } = deps;
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
    const proofs = verdict === 'match' ? [{ kind: 'registry_match', level: 'real_name' } as const] : [];
    const level = levelFromProofs(proofs);
    const at = clock.now();
    try {
      await db.transaction().execute(async (trx) => {
        // A family binding of this number at the same moment waits here, then sees this account.
        await lockDocumentNumber(trx, numberIndex);
        if (await familyIndexBound(trx, [numberIndex])) throw new ConflictError('registration.document_family_bound', 'documentNumber');
        await insertAccount(trx, { id: accountId, level, nameEnvelope: cipher.encrypt(name, piiAad.name(accountId)), needsPhone: false, now: at });
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
      const constraint = uniqueViolationConstraint(err);
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
    if (typeof accountId !== 'string' || !UUID.test(accountId)) return undefined;
    const found = await findAccountWithProofs(db, accountId);
    if (!found) return undefined;
    const { account: row, proofs } = found;
    const view: AccountView = {
      id: row.id,
      status: row.status,
      level: row.level,
      needsPhone: row.needsPhone,
      createdAt: row.createdAt,
      proofs: proofs.map((p) => ({ kind: p.kind, level: p.level, adapter: p.adapter, createdAt: p.createdAt })),
    };
    if (row.nameEnvelope !== null) view.name = cipher.decrypt(row.nameEnvelope, piiAad.name(row.id));
    if (row.certType !== null && isCertType(row.certType)) view.certType = row.certType;
    if (row.numberEnvelope !== null) view.documentNumber = cipher.decrypt(row.numberEnvelope, piiAad.documentNumber(row.id));
    if (row.phoneEnvelope !== null) view.phoneE164 = cipher.decrypt(row.phoneEnvelope, piiAad.phone(row.id));
    return view;
  }

  async function verifyPassword(accountId: string, password: string): Promise<boolean> {
    const credential = typeof accountId === 'string' && UUID.test(accountId) ? await findPasswordHash(db, accountId) : undefined;
    if (!credential) return hasher.verifyAgainstDummy(password);
    const ok = await hasher.verify(password, credential.hash);
    if (!ok || credential.status !== 'active') return false;
    if (hasher.needsRehash(credential.hash)) await upsertPasswordHash(db, accountId, await hasher.hash(password), clock.now());
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
    if (typeof accountId !== 'string' || !UUID.test(accountId)) throw new NotFoundError();
    const now = clock.now();
    const { from, to } = await db.transaction().execute(async (trx) => {
      const current = await lockAccountLevel(trx, accountId); // serialises proofs of one account
      if (current === undefined) throw new NotFoundError();
      await insertIdentityProof(trx, {
        id: randomUUID(),
        accountId,
        kind: proof.kind,
        level: proof.level,
        adapter: proof.adapter,
        reference: proof.reference ?? null,
        now,
      });
      const proofs = await listIdentityProofs(trx, accountId);
      const next = maxLevel([current, levelFromProofs(proofs)]);
      if (next !== current) await updateAccountLevel(trx, accountId, next, now);
      return { from: current, to: next };
    });
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
    findAccountIdByIdentifier: async (raw) => (await findByPhone(raw)) ?? findByDocument(raw),
    findAccountIdByPhone: findByPhone,
    findAccountIdByDocument: findByDocument,
    getAccount,
    verifyPassword,
    setPassword,
    addProof,
    documentTaken: async (documentNumber) => (await findByDocument(documentNumber)) !== undefined,
    phoneTaken: async (phoneE164) => (await findByPhone(phoneE164)) !== undefined,
  };
}
