// One exported legacy account (one JSON line) checked by the rules registration applies (document
// check characters, mainland mobile, name), its password hash read per the descriptor and its level
// checked against the evidence. Pure: returns the normalised row or the reason it is refused.

import { isCertType, validateDocument, type CertType } from '../domain/documents.js';
import { levelRank, type IdentityLevel, isIdentityLevel } from '../domain/levels.js';
import { isValidName, normaliseName } from '../domain/names.js';
import { parseMobile } from '../domain/phone.js';
import { isUpstreamName, type UpstreamName } from '../domain/sign-in-methods.js';
import { toStoredLegacyHash } from '../services/crypto/legacy-hash.js';
import { isFamilyRelation, MAX_FAMILY_BINDINGS, type FamilyRelation } from '../services/family.js';
import type { ImportDescriptor } from './descriptor.js';


/** Why a row is refused (the report's `reason`); every one is listed in docs/migrating.md. */
export const refusalReasons = [
  'row.not_json',
  'row.too_long',
  'legacy_id.invalid',
  'documents.unknown_type',
  'document.invalid',
  'phone.invalid',
  'name.invalid',
  'password.algorithm_mismatch',
  'password.malformed_hash',
  'password.salt_missing',
  'level.unknown',
  'level.evidence_missing',
  'evidence.invalid_date',
  'created_at.invalid',
  'upstream_links.invalid',
  'family_members.invalid',
  'family_members.too_many',
] as const;
export type RefusalReason = (typeof refusalReasons)[number];

export interface FamilyMemberRow {
  certType: CertType;
  number: string;
  name: string;
  relation: FamilyRelation;
}

export interface ValidRow {
  legacyId: string;
  certType: CertType;
  /** Normalised as validateDocument does (15-digit resident IDs upgraded). */
  number: string;
  name: string;
  phoneE164: string | undefined;
  /** As stored in password_credentials, or undefined for an account without a password. */
  passwordHash: string | undefined;
  /** The level the row claims, no higher than its evidence. */
  level: IdentityLevel;
  registryMatchAt: Date | undefined;
  faceCheckAt: Date | undefined;
  createdAt: Date;
  upstreamLinks: Array<{ upstream: UpstreamName; subject: string }>;
  familyMembers: FamilyMemberRow[];
}

export type RowResult =
  | { ok: true; row: ValidRow }
  | { ok: false; reason: RefusalReason; legacyId?: string; field?: string; detail?: string };

/** Lines longer than this are refused unread (no real account comes close). */
export const MAX_LINE_CHARS = 64 * 1024;

function date(value: unknown, now: Date): Date | undefined | 'invalid' {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') return 'invalid';
  const parsed = new Date(value);
  if (Number.isNaN(parsed.getTime()) || parsed.getTime() > now.getTime() || parsed.getUTCFullYear() < 1970) return 'invalid';
  return parsed;
}

/** Checks one line of the export. `now` bounds dates (none may lie in the future). */
export function parseRow(line: string, descriptor: ImportDescriptor, now: Date): RowResult {
  if (line.length > MAX_LINE_CHARS) return { ok: false, reason: 'row.too_long' };
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return { ok: false, reason: 'row.not_json' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, reason: 'row.not_json' };
  const v = value as Record<string, unknown>;
  const legacyId = typeof v.legacy_id === 'number' && Number.isSafeInteger(v.legacy_id) ? String(v.legacy_id) : v.legacy_id;
  if (typeof legacyId !== 'string' || !/^[\x21-\x7e]{1,128}$/.test(legacyId)) return { ok: false, reason: 'legacy_id.invalid' };
  const refuse = (reason: RefusalReason, field?: string, detail?: string): RowResult => ({
    ok: false,
    reason,
    legacyId,
    ...(field ? { field } : {}),
    ...(detail ? { detail } : {}),
  });

  if (!isCertType(v.cert_type)) return refuse('documents.unknown_type', 'cert_type');
  const document = validateDocument(v.cert_type, typeof v.document_number === 'string' ? v.document_number : '', now);
  if (!document.ok) return refuse('document.invalid', 'document_number', document.code);
  const name = normaliseName(typeof v.name === 'string' ? v.name : '');
  if (!isValidName(name)) return refuse('name.invalid', 'name');

  let phoneE164: string | undefined;
  if (v.phone !== undefined && v.phone !== null && v.phone !== '') {
    const phone = parseMobile(typeof v.phone === 'string' ? v.phone : String(v.phone));
    if (!phone.ok) return refuse('phone.invalid', 'phone', phone.code);
    phoneE164 = phone.e164;
  }

  let passwordHash: string | undefined;
  if (v.password_hash !== undefined && v.password_hash !== null) {
    if (v.password_algorithm !== undefined && v.password_algorithm !== descriptor.password.algorithm) return refuse('password.algorithm_mismatch', 'password_algorithm');
    const stored = toStoredLegacyHash(descriptor.password, v.password_hash, v.password_salt);
    if (!stored.ok) return refuse(stored.code, 'password_hash');
    passwordHash = stored.stored;
  }

  const createdAt = date(v.created_at, now);
  if (createdAt === undefined || createdAt === 'invalid') return refuse('created_at.invalid', 'created_at');

  const claimed = v.level ?? 'registered';
  if (!isIdentityLevel(claimed)) return refuse('level.unknown', 'level');
  const evidence = (typeof v.evidence === 'object' && v.evidence !== null ? v.evidence : {}) as Record<string, unknown>;
  const registryMatchAt = date(evidence.registry_match_at, now);
  if (registryMatchAt === 'invalid') return refuse('evidence.invalid_date', 'evidence.registry_match_at');
  const faceCheckAt = date(evidence.face_check_at, now);
  if (faceCheckAt === 'invalid') return refuse('evidence.invalid_date', 'evidence.face_check_at');
  // A face check proves a person only together with a registry match of the name (levelFromProofs).
  const evidenced: IdentityLevel = registryMatchAt ? (faceCheckAt ? 'real_person' : 'real_name') : 'registered';
  if (levelRank(claimed) > levelRank(evidenced)) return refuse('level.evidence_missing', 'level', `${claimed} needs ${claimed === 'real_person' ? 'registry_match_at and face_check_at' : 'registry_match_at'}`);

  const upstreamLinks: ValidRow['upstreamLinks'] = [];
  if (v.upstream_links !== undefined && v.upstream_links !== null) {
    if (typeof v.upstream_links !== 'object' || Array.isArray(v.upstream_links)) return refuse('upstream_links.invalid', 'upstream_links');
    for (const [upstream, subject] of Object.entries(v.upstream_links as Record<string, unknown>)) {
      if (!isUpstreamName(upstream)) return refuse('upstream_links.invalid', `upstream_links.${upstream}`, 'unknown upstream');
      if (subject === null || subject === undefined || subject === '') continue;
      if (typeof subject !== 'string' || subject.length > 256) return refuse('upstream_links.invalid', `upstream_links.${upstream}`);
      upstreamLinks.push({ upstream, subject });
    }
  }

  const familyMembers: FamilyMemberRow[] = [];
  if (v.family_members !== undefined && v.family_members !== null) {
    if (!Array.isArray(v.family_members)) return refuse('family_members.invalid', 'family_members');
    if (v.family_members.length > MAX_FAMILY_BINDINGS) return refuse('family_members.too_many', 'family_members', `at most ${MAX_FAMILY_BINDINGS}`);
    for (const [i, member] of (v.family_members as unknown[]).entries()) {
      const field = `family_members[${i}]`;
      if (typeof member !== 'object' || member === null) return refuse('family_members.invalid', field);
      const m = member as Record<string, unknown>;
      if (!isCertType(m.cert_type)) return refuse('family_members.invalid', `${field}.cert_type`, 'documents.unknown_type');
      const memberDocument = validateDocument(m.cert_type, typeof m.document_number === 'string' ? m.document_number : '', now);
      if (!memberDocument.ok) return refuse('family_members.invalid', `${field}.document_number`, memberDocument.code);
      if (memberDocument.number === document.number) return refuse('family_members.invalid', `${field}.document_number`, 'the account’s own document');
      const memberName = normaliseName(typeof m.name === 'string' ? m.name : '');
      if (!isValidName(memberName)) return refuse('family_members.invalid', `${field}.name`, 'name.invalid');
      if (!isFamilyRelation(m.relation)) return refuse('family_members.invalid', `${field}.relation`);
      familyMembers.push({ certType: m.cert_type, number: memberDocument.number, name: memberName, relation: m.relation });
    }
  }

  return {
    ok: true,
    row: {
      legacyId,
      certType: v.cert_type,
      number: document.number,
      name,
      phoneE164,
      passwordHash,
      level: claimed,
      registryMatchAt: levelRank(claimed) >= levelRank('real_name') ? registryMatchAt : undefined,
      faceCheckAt: claimed === 'real_person' ? faceCheckAt : undefined,
      createdAt,
      upstreamLinks,
      familyMembers,
    },
  };
}
