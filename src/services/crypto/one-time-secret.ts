// One-time codes and tickets: generate them with the CSPRNG, store only their keyed HMAC, and
// compare in constant time. Stored hashes are HMAC-SHA-256 hex (64 lowercase characters).

import { createHmac, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import { CryptoConfigError } from './errors.js';

const HASH_HEX = /^[0-9a-fA-F]{64}$/;

/**
 * A uniformly random numeric code of `digits` digits (leading zeros kept), e.g. '042917'.
 * Throws RangeError unless 4 ≤ digits ≤ 12.
 */
export function generateNumericCode(digits = 6): string {
  if (!Number.isInteger(digits) || digits < 4 || digits > 12) throw new RangeError('digits must be an integer from 4 to 12');
  // randomInt draws uniformly (rejection sampling) from [0, 10^digits); 10^12 < 2^48, its limit.
  return randomInt(0, 10 ** digits).toString().padStart(digits, '0');
}

/** A random token of `bytes` bytes as unpadded base64url. Throws RangeError unless 16 ≤ bytes ≤ 1024. */
export function generateToken(bytes = 32): string {
  if (!Number.isInteger(bytes) || bytes < 16 || bytes > 1024) throw new RangeError('bytes must be an integer from 16 to 1024');
  return randomBytes(bytes).toString('base64url');
}

function checkKey(key: Buffer): void {
  if (!Buffer.isBuffer(key) || key.length < 32) throw new CryptoConfigError('secret hashing key must be a Buffer of at least 32 bytes');
}

/** HMAC-SHA-256 of `value` under `key`, lowercase hex. Throws CryptoConfigError on a short key or non-string value. */
export function hashSecret(key: Buffer, value: string): string {
  checkKey(key);
  if (typeof value !== 'string') throw new CryptoConfigError('secret value must be a string');
  return createHmac('sha256', key).update(value, 'utf8').digest('hex');
}

/**
 * True when `hashSecret(key, value)` equals `expectedHash`, compared in constant time. Odd input
 * (non-string value or hash, wrong length, non-hex) gives false, never an exception; only a bad
 * key (a configuration error) throws CryptoConfigError.
 */
export function verifySecret(key: Buffer, value: string, expectedHash: string): boolean {
  checkKey(key);
  const actual = createHmac('sha256', key)
    .update(typeof value === 'string' ? value : '', 'utf8')
    .digest();
  const wellFormed = typeof value === 'string' && typeof expectedHash === 'string' && HASH_HEX.test(expectedHash);
  // Always compare two 32-byte buffers so malformed input costs the same as a mismatch.
  const expected = wellFormed ? Buffer.from(expectedHash, 'hex') : Buffer.alloc(actual.length);
  return timingSafeEqual(actual, expected) && wellFormed;
}
