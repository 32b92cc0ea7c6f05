// Password hashes imported from the platform this provider replaces: salted MD5, SHA-1, SHA-256 and
// SM3 (format and salt placement declared once per import, never guessed per row), or bcrypt. They
// are stored self-describing (`$legacy$v1$…`) and replaced by the current bcrypt scheme on sign-in.

import { createHash, getHashes, timingSafeEqual } from 'node:crypto';

export const legacyAlgorithms = ['md5', 'sha1', 'sha256', 'sm3', 'bcrypt'] as const;
export type LegacyAlgorithm = (typeof legacyAlgorithms)[number];
type DigestAlgorithm = Exclude<LegacyAlgorithm, 'bcrypt'>;

/** Where the salt goes: digest(salt ‖ password) or digest(password ‖ salt). */
export const saltPlacements = ['prefix', 'suffix'] as const;
export type SaltPlacement = (typeof saltPlacements)[number];
export const saltEncodings = ['utf8', 'hex', 'base64'] as const;
export type SaltEncoding = (typeof saltEncodings)[number];
export const hashEncodings = ['hex', 'base64'] as const;
export type HashEncoding = (typeof hashEncodings)[number];

/** The `password` part of an import descriptor (docs/migrating.md). */
export interface LegacyPasswordFormat {
  algorithm: LegacyAlgorithm;
  /** Digest algorithms only. */
  salt: SaltPlacement;
  saltEncoding: SaltEncoding;
  hashEncoding: HashEncoding;
}

const digestBytes: Record<DigestAlgorithm, number> = { md5: 16, sha1: 20, sha256: 32, sm3: 32 };
const BCRYPT_HASH = /^\$2[aby]\$(\d{2})\$[./A-Za-z0-9]{53}$/;
export const LEGACY_HASH_PREFIX = '$legacy$v1$';
const STORED = /^\$legacy\$v1\$(md5|sha1|sha256|sm3)\$(prefix|suffix)\$([A-Za-z0-9_-]*)\$([A-Za-z0-9_-]+)$/;
const MAX_SALT_BYTES = 256;

function oneOf<T extends string>(list: readonly T[], value: unknown, what: string): T {
  if (typeof value === 'string' && (list as readonly string[]).includes(value)) return value as T;
  throw new Error(`descriptor: ${what} must be one of ${list.join(', ')}`);
}

/** Reads the descriptor's `password` object. Throws Error naming the bad field. */
export function parseLegacyPasswordFormat(value: unknown): LegacyPasswordFormat {
  if (typeof value !== 'object' || value === null) throw new Error('descriptor: password must be an object');
  const v = value as Record<string, unknown>;
  const algorithm = oneOf(legacyAlgorithms, v.algorithm, 'password.algorithm');
  if (algorithm === 'bcrypt') return { algorithm, salt: 'prefix', saltEncoding: 'utf8', hashEncoding: 'hex' };
  if (!getHashes().includes(algorithm)) throw new Error(`descriptor: this Node.js/OpenSSL build has no ${algorithm}; the import would leave passwords nobody can verify`);
  return {
    algorithm,
    salt: oneOf(saltPlacements, v.salt, 'password.salt'),
    saltEncoding: oneOf(saltEncodings, v.salt_encoding ?? 'utf8', 'password.salt_encoding'),
    hashEncoding: oneOf(hashEncodings, v.hash_encoding ?? 'hex', 'password.hash_encoding'),
  };
}

function decode(text: string, encoding: SaltEncoding | HashEncoding): Buffer | undefined {
  if (encoding === 'utf8') return Buffer.from(text, 'utf8');
  if (encoding === 'hex') return /^(?:[0-9a-fA-F]{2})*$/.test(text) ? Buffer.from(text, 'hex') : undefined;
  return /^[A-Za-z0-9+/]*={0,2}$/.test(text) && text.length % 4 === 0 ? Buffer.from(text, 'base64') : undefined;
}

export type StoredHashResult = { ok: true; stored: string } | { ok: false; code: 'password.malformed_hash' | 'password.salt_missing' };

/**
 * The string kept in password_credentials for an exported hash (and its salt) in `format`: bcrypt
 * hashes as they are, digests as `$legacy$v1$<alg>$<placement>$<salt>$<digest>` (base64url).
 */
export function toStoredLegacyHash(format: LegacyPasswordFormat, hash: unknown, salt: unknown): StoredHashResult {
  if (typeof hash !== 'string') return { ok: false, code: 'password.malformed_hash' };
  if (format.algorithm === 'bcrypt') return BCRYPT_HASH.test(hash) ? { ok: true, stored: hash } : { ok: false, code: 'password.malformed_hash' };
  if (typeof salt !== 'string' || salt.length === 0) return { ok: false, code: 'password.salt_missing' };
  const saltBytes = decode(salt, format.saltEncoding);
  if (!saltBytes || saltBytes.length === 0 || saltBytes.length > MAX_SALT_BYTES) return { ok: false, code: 'password.salt_missing' };
  const digest = decode(hash, format.hashEncoding);
  if (!digest || digest.length !== digestBytes[format.algorithm]) return { ok: false, code: 'password.malformed_hash' };
  return { ok: true, stored: `${LEGACY_HASH_PREFIX}${format.algorithm}$${format.salt}$${saltBytes.toString('base64url')}$${digest.toString('base64url')}` };
}

/** Whether a stored hash is an imported salted digest (bcrypt hashes, imported or not, are not). */
export function isLegacyDigestHash(stored: string): boolean {
  return typeof stored === 'string' && stored.startsWith(LEGACY_HASH_PREFIX);
}

/** The salted digest of `password` as the legacy platform computed it. */
export function legacyDigest(algorithm: DigestAlgorithm, placement: SaltPlacement, salt: Buffer, password: string): Buffer {
  const secret = Buffer.from(password, 'utf8');
  const hash = createHash(algorithm);
  if (placement === 'prefix') hash.update(salt).update(secret);
  else hash.update(secret).update(salt);
  return hash.digest();
}

/**
 * True when `password` matches a `$legacy$v1$…` hash (constant-time comparison). Fast: the caller
 * pads it with a bcrypt verification so it takes as long as a native one. Throws for a malformed hash.
 */
export function verifyLegacyDigestHash(password: string, stored: string): boolean {
  const match = STORED.exec(stored);
  if (!match) throw new Error('stored password hash is not a legacy digest');
  const [, algorithm, placement, salt, digest] = match as unknown as [string, DigestAlgorithm, SaltPlacement, string, string];
  const expected = Buffer.from(digest, 'base64url');
  const actual = legacyDigest(algorithm, placement, Buffer.from(salt, 'base64url'), typeof password === 'string' ? password : '');
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** The bcrypt cost of a bcrypt hash, else undefined. */
export function bcryptCost(stored: string): number | undefined {
  const match = typeof stored === 'string' ? BCRYPT_HASH.exec(stored) : null;
  return match ? Number(match[1]) : undefined;
}
