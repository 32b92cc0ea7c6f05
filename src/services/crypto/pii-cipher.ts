// Encrypts PII at rest (document numbers, names, phones) into a versioned, self-describing string.
// Envelope: `v1.<alg>.<keyId>.<b64u(iv)>.<b64u(ciphertext)>.<b64u(tag)>` (b64u = unpadded base64url)
//   A256GCM      AES-256-GCM, 12-byte random iv, 16-byte tag, GCM AAD = `v1.<alg>.<keyId>` 0x00 aad
//   SM4CTR-HSM3  SM4-CTR, 16-byte random iv; tag = HMAC-SM3 (32 bytes, encrypt-then-MAC) over the
//                length-prefixed (u32 BE) fields `v1.<alg>.<keyId>`, iv, ciphertext, aad
// `aad` is a caller-given context (e.g. 'accounts.name') so a value can't be moved to another column.

import { createCipheriv, createDecipheriv, createHmac, getCiphers, getHashes, randomBytes, timingSafeEqual } from 'node:crypto';
import { CipherError, CryptoConfigError } from './errors.js';
import type { Keyring, KeyringEntry } from './keys.js';

export const piiAlgorithms = ['A256GCM', 'SM4CTR-HSM3'] as const;
export type PiiAlgorithm = (typeof piiAlgorithms)[number];

export interface PiiCipher {
  /** Encrypts `plaintext` bound to `aad` with the current key. Throws CipherError on invalid input. */
  encrypt(plaintext: string, aad: string): string;
  /** Opens an envelope made with `aad` by any key in the keyring. Throws CipherError on any failure. */
  decrypt(envelope: string, aad: string): string;
  /** True when the envelope was made with another algorithm or key than the current ones. Throws CipherError if malformed. */
  needsReencryption(envelope: string): boolean;
}

/** What the running OpenSSL offers; injectable so tests can simulate a build without SM4/SM3. */
export interface CryptoCapabilities {
  readonly ciphers: readonly string[];
  readonly hashes: readonly string[];
}

const VERSION = 'v1';
const MAX_PLAINTEXT_BYTES = 64 * 1024;
const MAX_ENVELOPE_CHARS = 2 * MAX_PLAINTEXT_BYTES;
const MAX_AAD_BYTES = 1024;
const B64U = /^[A-Za-z0-9_-]*$/;
const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;

const spec = {
  A256GCM: { ivBytes: 12, tagBytes: 16 },
  'SM4CTR-HSM3': { ivBytes: 16, tagBytes: 32 },
} as const satisfies Record<PiiAlgorithm, { ivBytes: number; tagBytes: number }>;

export function runtimeCapabilities(): CryptoCapabilities {
  return { ciphers: getCiphers(), hashes: getHashes() };
}

/** Lists what SM4CTR-HSM3 needs but the runtime lacks (empty when it is usable). */
export function missingSm4Support(capabilities: CryptoCapabilities = runtimeCapabilities()): string[] {
  const missing: string[] = [];
  if (!capabilities.ciphers.includes('sm4-ctr')) missing.push('cipher sm4-ctr');
  if (!capabilities.hashes.includes('sm3')) missing.push('hash sm3');
  return missing;
}

interface ParsedEnvelope {
  alg: PiiAlgorithm;
  keyId: string;
  header: string;
  iv: Buffer;
  ciphertext: Buffer;
  tag: Buffer;
}

function isAlgorithm(value: string): value is PiiAlgorithm {
  return (piiAlgorithms as readonly string[]).includes(value);
}

function decodeB64u(part: string, what: string): Buffer {
  if (!B64U.test(part) || part.length % 4 === 1) throw new CipherError('malformed', `envelope ${what} is not base64url`);
  const bytes = Buffer.from(part, 'base64url');
  // Reject non-canonical encodings (unused trailing bits set) so every envelope string has one meaning.
  if (bytes.toString('base64url') !== part) throw new CipherError('malformed', `envelope ${what} is not canonical base64url`);
  return bytes;
}

function parseEnvelope(envelope: unknown): ParsedEnvelope {
  if (typeof envelope !== 'string' || envelope.length > MAX_ENVELOPE_CHARS) {
    throw new CipherError('malformed', 'envelope is not a string of acceptable length');
  }
  const parts = envelope.split('.');
  if (parts.length !== 6) throw new CipherError('malformed', 'envelope does not have 6 parts');
  const [version, alg, keyId, ivPart, ctPart, tagPart] = parts as [string, string, string, string, string, string];
  if (version !== VERSION) throw new CipherError('unsupported_version', 'envelope version is not supported');
  if (!isAlgorithm(alg)) throw new CipherError('unsupported_algorithm', 'envelope algorithm is not supported');
  if (!KEY_ID.test(keyId)) throw new CipherError('malformed', 'envelope key id is malformed');
  const iv = decodeB64u(ivPart, 'iv');
  const ciphertext = decodeB64u(ctPart, 'ciphertext');
  const tag = decodeB64u(tagPart, 'tag');
  if (iv.length !== spec[alg].ivBytes) throw new CipherError('malformed', 'envelope iv has the wrong length');
  if (tag.length !== spec[alg].tagBytes) throw new CipherError('malformed', 'envelope tag has the wrong length');
  return { alg, keyId, header: `${VERSION}.${alg}.${keyId}`, iv, ciphertext, tag };
}

function aadBytes(aad: unknown): Buffer {
  if (typeof aad !== 'string' || aad.length === 0) throw new CipherError('invalid_input', 'aad must be a non-empty string');
  const bytes = Buffer.from(aad, 'utf8');
  if (bytes.length > MAX_AAD_BYTES) throw new CipherError('invalid_input', 'aad is too long');
  return bytes;
}

function gcmAad(header: string, aad: Buffer): Buffer {
  return Buffer.concat([Buffer.from(header, 'utf8'), Buffer.from([0]), aad]);
}

function sm3Tag(macKey: Buffer, header: string, iv: Buffer, ciphertext: Buffer, aad: Buffer): Buffer {
  const hmac = createHmac('sm3', macKey);
  for (const field of [Buffer.from(header, 'utf8'), iv, ciphertext, aad]) {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(field.length);
    hmac.update(length).update(field);
  }
  return hmac.digest();
}

function seal(alg: PiiAlgorithm, entry: KeyringEntry, plaintext: Buffer, aad: Buffer): string {
  const header = `${VERSION}.${alg}.${entry.id}`;
  const iv = randomBytes(spec[alg].ivBytes);
  let ciphertext: Buffer;
  let tag: Buffer;
  if (alg === 'A256GCM') {
    const cipher = createCipheriv('aes-256-gcm', entry.keys.piiAes256Gcm, iv, { authTagLength: 16 });
    cipher.setAAD(gcmAad(header, aad));
    ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    tag = cipher.getAuthTag();
  } else {
    const cipher = createCipheriv('sm4-ctr', entry.keys.piiSm4, iv);
    ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    tag = sm3Tag(entry.keys.piiSm4Mac, header, iv, ciphertext, aad);
  }
  return [header, iv.toString('base64url'), ciphertext.toString('base64url'), tag.toString('base64url')].join('.');
}

function open(parsed: ParsedEnvelope, entry: KeyringEntry, aad: Buffer): Buffer {
  const { alg, header, iv, ciphertext, tag } = parsed;
  if (alg === 'A256GCM') {
    try {
      const decipher = createDecipheriv('aes-256-gcm', entry.keys.piiAes256Gcm, iv, { authTagLength: 16 });
      decipher.setAAD(gcmAad(header, aad));
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(ciphertext), decipher.final()]);
    } catch (err) {
      throw new CipherError('authentication_failed', 'envelope failed authentication', { cause: err });
    }
  }
  // Encrypt-then-MAC: verify the tag (constant time) before decrypting anything.
  const expected = sm3Tag(entry.keys.piiSm4Mac, header, iv, ciphertext, aad);
  if (expected.length !== tag.length || !timingSafeEqual(expected, tag)) {
    throw new CipherError('authentication_failed', 'envelope failed authentication');
  }
  const decipher = createDecipheriv('sm4-ctr', entry.keys.piiSm4, iv);
  return Buffer.concat([decipher.update(ciphertext), decipher.final()]);
}

/**
 * Creates the PII cipher for `algorithm` over `keyring` (current key encrypts, any key decrypts).
 * Throws CryptoConfigError when the algorithm is unknown, or is SM4CTR-HSM3 and this Node's
 * OpenSSL lacks sm4-ctr or sm3.
 */
export function createPiiCipher(options: {
  keyring: Keyring;
  algorithm: PiiAlgorithm;
  capabilities?: CryptoCapabilities;
}): PiiCipher {
  const { keyring, algorithm } = options;
  if (!isAlgorithm(algorithm)) {
    throw new CryptoConfigError(`unknown PII algorithm; expected one of ${piiAlgorithms.join(', ')}`);
  }
  const sm4Missing = missingSm4Support(options.capabilities);
  if (algorithm === 'SM4CTR-HSM3' && sm4Missing.length > 0) {
    throw new CryptoConfigError(
      `PII algorithm SM4CTR-HSM3 needs ${sm4Missing.join(' and ')}, which this Node.js/OpenSSL build does not offer`,
    );
  }

  return Object.freeze({
    encrypt(plaintext: string, aad: string): string {
      if (typeof plaintext !== 'string') throw new CipherError('invalid_input', 'plaintext must be a string');
      const bytes = Buffer.from(plaintext, 'utf8');
      if (bytes.length > MAX_PLAINTEXT_BYTES) throw new CipherError('invalid_input', 'plaintext is too long');
      return seal(algorithm, keyring.current, bytes, aadBytes(aad));
    },

    decrypt(envelope: string, aad: string): string {
      const aadBuf = aadBytes(aad);
      const parsed = parseEnvelope(envelope);
      if (parsed.alg === 'SM4CTR-HSM3' && sm4Missing.length > 0) {
        throw new CipherError('unsupported_algorithm', `envelope uses SM4CTR-HSM3 but ${sm4Missing.join(' and ')} is unavailable`);
      }
      const entry = keyring.get(parsed.keyId);
      if (!entry) throw new CipherError('unknown_key', `envelope key id "${parsed.keyId}" is not in the keyring`);
      return open(parsed, entry, aadBuf).toString('utf8');
    },

    needsReencryption(envelope: string): boolean {
      const parsed = parseEnvelope(envelope);
      return parsed.alg !== algorithm || parsed.keyId !== keyring.current.id;
    },
  });
}
