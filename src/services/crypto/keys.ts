// Master keys and the keys derived from them: parse a configured master key, derive one key per
// purpose with HKDF-SHA256, and hold several versions (key ids) so old data stays readable
// while new data uses the current key.

import { hkdfSync } from 'node:crypto';
import { CryptoConfigError } from './errors.js';

/** Every purpose we derive a key for; the string is the HKDF `info`, so never change one. */
export const keyPurposes = {
  piiAes256Gcm: 'pii-aes-256-gcm',
  piiSm4: 'pii-sm4',
  piiSm4Mac: 'pii-sm4-mac',
  blindIndex: 'blind-index',
  otp: 'otp',
  signingKeyWrap: 'signing-key-wrap',
  csrf: 'csrf',
  browserBinding: 'browser-binding',
  proofOfWork: 'proof-of-work',
} as const;
export type KeyPurpose = keyof typeof keyPurposes;

/** One derived key per purpose. All are 32 bytes except `piiSm4`, which is SM4's 16-byte key. */
export type DerivedKeys = { readonly [P in KeyPurpose]: Buffer };

const keyLengths: { readonly [P in KeyPurpose]: number } = {
  piiAes256Gcm: 32,
  piiSm4: 16,
  piiSm4Mac: 32,
  blindIndex: 32,
  otp: 32,
  signingKeyWrap: 32,
  csrf: 32,
  browserBinding: 32,
  proofOfWork: 32,
};

const HKDF_SALT = Buffer.from('jsrs-idp/hkdf/v1', 'utf8');
export const MIN_MASTER_KEY_BYTES = 32;
const MAX_MASTER_KEY_BYTES = 1024;
const KEY_ID_PATTERN = /^[A-Za-z0-9_-]{1,32}$/;

function checkKeyBytes(bytes: Buffer, what: string): Buffer {
  if (bytes.length < MIN_MASTER_KEY_BYTES) {
    throw new CryptoConfigError(`${what} must be at least ${MIN_MASTER_KEY_BYTES} bytes, got ${bytes.length}`);
  }
  if (bytes.length > MAX_MASTER_KEY_BYTES) {
    throw new CryptoConfigError(`${what} must be at most ${MAX_MASTER_KEY_BYTES} bytes, got ${bytes.length}`);
  }
  if (bytes.every((b) => b === bytes[0])) {
    throw new CryptoConfigError(`${what} is a single repeated byte; generate a random key`);
  }
  return bytes;
}

function decodeBase64Strict(text: string): Buffer | undefined {
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(text)) return undefined;
  if (/[+/]/.test(text) && /[_-]/.test(text)) return undefined; // mixed alphabets
  const unpadded = text.replace(/=+$/, '');
  if (unpadded.length % 4 === 1) return undefined;
  const bytes = Buffer.from(unpadded.replace(/\+/g, '-').replace(/\//g, '_'), 'base64url');
  // Canonical check: re-encoding gives back the same text, so no characters were silently dropped.
  return bytes.toString('base64url') === unpadded.replace(/\+/g, '-').replace(/\//g, '_') ? bytes : undefined;
}

/**
 * Parses a master key given as hex, base64 or base64url (padding optional, surrounding whitespace
 * ignored), optionally prefixed `hex:`, `base64:` or `base64url:` to remove ambiguity; without a
 * prefix a string of only hex digits with even length is read as hex. A Buffer is checked and copied.
 * Throws CryptoConfigError when the value is not one of those encodings or is shorter than 32 bytes
 * (the message never contains the key).
 */
export function parseMasterKey(value: Buffer | string): Buffer {
  if (Buffer.isBuffer(value)) return checkKeyBytes(Buffer.from(value), 'master key');
  if (typeof value !== 'string') throw new CryptoConfigError('master key must be a string or a Buffer');
  let text = value.trim();
  let encoding: 'hex' | 'base64' | 'auto' = 'auto';
  const prefix = /^(hex|base64url|base64):/.exec(text);
  if (prefix) {
    encoding = prefix[1] === 'hex' ? 'hex' : 'base64';
    text = text.slice(prefix[0].length);
  }
  if (text.length === 0) throw new CryptoConfigError('master key is empty');
  const looksHex = /^[0-9a-fA-F]+$/.test(text) && text.length % 2 === 0;
  let bytes: Buffer | undefined;
  if (encoding === 'hex' || (encoding === 'auto' && looksHex)) {
    bytes = looksHex ? Buffer.from(text, 'hex') : undefined;
    if (!bytes) throw new CryptoConfigError('master key is not valid hex');
  } else {
    bytes = decodeBase64Strict(text);
    if (!bytes) throw new CryptoConfigError('master key is not valid hex, base64 or base64url');
  }
  return checkKeyBytes(bytes, 'master key');
}

/** Derives one key of `length` bytes for `info` from a master key with HKDF-SHA256. */
export function deriveKey(masterKey: Buffer | string, info: string, length = 32): Buffer {
  const ikm = parseMasterKey(masterKey);
  return Buffer.from(hkdfSync('sha256', ikm, HKDF_SALT, Buffer.from(info, 'utf8'), length));
}

/**
 * Derives every purpose-specific key from one master key (see `keyPurposes` for the HKDF info
 * strings). Throws CryptoConfigError when the master key is unusable.
 */
export function deriveKeys(masterKey: Buffer | string): DerivedKeys {
  const ikm = parseMasterKey(masterKey);
  const out = {} as Record<KeyPurpose, Buffer>;
  for (const purpose of Object.keys(keyPurposes) as KeyPurpose[]) {
    const info = Buffer.from(keyPurposes[purpose], 'utf8');
    out[purpose] = Buffer.from(hkdfSync('sha256', ikm, HKDF_SALT, info, keyLengths[purpose]));
  }
  return Object.freeze(out);
}

export interface MasterKeyVersion {
  /** Short stable name of this key version, written into envelopes: 1–32 of [A-Za-z0-9_-]. */
  readonly id: string;
  readonly key: Buffer | string;
}

export interface KeyringEntry {
  readonly id: string;
  readonly keys: DerivedKeys;
}

export interface Keyring {
  /** The version used for everything new. */
  readonly current: KeyringEntry;
  /** Any known version by id (current or previous), or undefined. */
  get(id: string): KeyringEntry | undefined;
  /** Ids of every version, current first. */
  readonly ids: readonly string[];
}

/**
 * Holds the current master key version (for encrypting) and previous ones (for decrypting data
 * written before a rotation). Throws CryptoConfigError on a bad or duplicate id or an unusable key.
 */
export function createKeyring(options: {
  current: MasterKeyVersion;
  previous?: readonly MasterKeyVersion[];
}): Keyring {
  const versions = [options.current, ...(options.previous ?? [])];
  const entries = new Map<string, KeyringEntry>();
  for (const version of versions) {
    if (typeof version.id !== 'string' || !KEY_ID_PATTERN.test(version.id)) {
      throw new CryptoConfigError('key id must be 1-32 characters of A-Z a-z 0-9 _ -');
    }
    if (entries.has(version.id)) throw new CryptoConfigError(`key id "${version.id}" appears twice in the keyring`);
    let keys: DerivedKeys;
    try {
      keys = deriveKeys(version.key);
    } catch (err) {
      const detail = err instanceof Error ? err.message : 'unusable';
      throw new CryptoConfigError(`key "${version.id}": ${detail}`, { cause: err });
    }
    entries.set(version.id, Object.freeze({ id: version.id, keys }));
  }
  const current = entries.get(options.current.id);
  if (!current) throw new CryptoConfigError('keyring has no current key');
  const ids = Object.freeze([...entries.keys()]);
  return Object.freeze({ current, ids, get: (id: string) => entries.get(id) });
}
