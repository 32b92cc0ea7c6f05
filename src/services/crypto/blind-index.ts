// Blind index: a keyed, deterministic HMAC of a normalised PII value, stored beside its encrypted
// form so rows can be looked up and kept unique without decrypting. The purpose is mixed in, so the
// same value indexed as a document and as a phone gives unrelated digests.

import { createHmac } from 'node:crypto';
import { CryptoConfigError } from './errors.js';

export const blindIndexPurposes = ['document', 'phone', 'identifier', 'identity'] as const;
export type BlindIndexPurpose = (typeof blindIndexPurposes)[number];

/** (purpose, normalised value) → 64 lowercase hex characters of HMAC-SHA-256. */
export type BlindIndex = (purpose: BlindIndexPurpose, normalisedValue: string) => string;

/**
 * Creates the blind index over `key` (use the keyring's `blindIndex` key). The value must already
 * be normalised by the domain (e.g. upper-case document number): this function hashes it as given.
 * Changing the key changes every digest, so a key change means re-indexing every row.
 * Throws CryptoConfigError if the key is shorter than 32 bytes; the returned function throws
 * CryptoConfigError on an unknown purpose or a non-string value (programming errors).
 */
export function createBlindIndex(key: Buffer): BlindIndex {
  if (!Buffer.isBuffer(key) || key.length < 32) throw new CryptoConfigError('blind index key must be a Buffer of at least 32 bytes');
  const ownKey = Buffer.from(key);
  return (purpose, normalisedValue) => {
    if (!(blindIndexPurposes as readonly string[]).includes(purpose)) {
      throw new CryptoConfigError('unknown blind index purpose');
    }
    if (typeof normalisedValue !== 'string') throw new CryptoConfigError('blind index value must be a string');
    // Purposes never contain NUL, so `purpose 0x00 value` is unambiguous.
    return createHmac('sha256', ownKey).update(`blind-index/${purpose}\u0000`, 'utf8').update(normalisedValue, 'utf8').digest('hex');
  };
}
