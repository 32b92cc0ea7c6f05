// The 电子社保卡 channel protocol envelope, used both ways (channel → platform, platform → channel):
//   { channelNo, timestamp, nonce, security, sign }  (plus `code`/`message` on responses)
// security = base64(iv(16 bytes) || SM4-CBC(key, PKCS#7, JSON business body)); AES-128-CBC when
//   this Node's OpenSSL has no SM4 (same 16-byte key; both sides must agree).
// sign = hex(HMAC-SHA256(secret, channelNo + "\n" + timestamp + "\n" + nonce + "\n" + security)),
//   timestamp in milliseconds since the epoch; either side refuses a timestamp more than 5 min off.

import { createCipheriv, createDecipheriv, createHmac, getCiphers, randomBytes, timingSafeEqual } from 'node:crypto';

export const esscCipher: 'sm4-cbc' | 'aes-128-cbc' = getCiphers().includes('sm4-cbc') ? 'sm4-cbc' : 'aes-128-cbc';
export const esscMaxSkewMs = 5 * 60 * 1000;

/** Result codes the platform answers with (`code` in every response). */
export const esscCodes = {
  ok: '0000',
  badRequest: 'E1001',
  unknownChannel: 'E1002',
  badSign: 'E1003',
  staleTimestamp: 'E1004',
  badSecurity: 'E1005',
  qrNotFound: 'E2001',
  cardNotFound: 'E2002',
} as const;
export type EsscCode = (typeof esscCodes)[keyof typeof esscCodes];

export interface EsscEnvelope {
  channelNo: string;
  timestamp: string;
  nonce: string;
  security: string;
  sign: string;
}

export interface EsscChannelKeys {
  channelNo: string;
  /** HMAC secret. */
  secret: string;
  /** 16-byte symmetric key as 32 hex characters. */
  key: string;
}

/** Parses the 32-hex-character channel key; throws RangeError on any other shape. */
export function parseChannelKey(key: string): Buffer {
  if (!/^[0-9a-fA-F]{32}$/.test(key)) throw new RangeError('e-SSC channel key must be 32 hex characters');
  return Buffer.from(key, 'hex');
}

export function encryptSecurity(key: Buffer, plaintext: string): string {
  const iv = randomBytes(16);
  const cipher = createCipheriv(esscCipher, key, iv);
  return Buffer.concat([iv, cipher.update(plaintext, 'utf8'), cipher.final()]).toString('base64');
}

/** Throws when the value is not a ciphertext under this key (bad base64, length or padding). */
export function decryptSecurity(key: Buffer, security: string): string {
  const raw = Buffer.from(security, 'base64');
  if (raw.length < 32 || raw.length % 16 !== 0) throw new RangeError('security has a bad length');
  const decipher = createDecipheriv(esscCipher, key, raw.subarray(0, 16));
  return Buffer.concat([decipher.update(raw.subarray(16)), decipher.final()]).toString('utf8');
}

export function signEnvelope(secret: string, parts: Omit<EsscEnvelope, 'sign'>): string {
  return createHmac('sha256', secret)
    .update(`${parts.channelNo}\n${parts.timestamp}\n${parts.nonce}\n${parts.security}`, 'utf8')
    .digest('hex');
}

/** Encrypts and signs a business body into an envelope stamped with `now`. */
export function sealEnvelope(channel: EsscChannelKeys, body: unknown, now: Date): EsscEnvelope {
  const parts = {
    channelNo: channel.channelNo,
    timestamp: String(now.getTime()),
    nonce: randomBytes(16).toString('hex'),
    security: encryptSecurity(parseChannelKey(channel.key), JSON.stringify(body)),
  };
  return { ...parts, sign: signEnvelope(channel.secret, parts) };
}

export type OpenedEnvelope =
  | { ok: true; body: unknown }
  | { ok: false; code: typeof esscCodes.badSign | typeof esscCodes.staleTimestamp | typeof esscCodes.badSecurity };

/** Checks sign (constant time), then freshness, then decrypts; never throws. */
export function openEnvelope(channel: EsscChannelKeys, envelope: EsscEnvelope, now: Date): OpenedEnvelope {
  const expected = Buffer.from(signEnvelope(channel.secret, envelope), 'utf8');
  const given = Buffer.from(envelope.sign, 'utf8');
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return { ok: false, code: esscCodes.badSign };
  const sentAt = /^\d{1,15}$/.test(envelope.timestamp) ? Number(envelope.timestamp) : Number.NaN;
  if (!Number.isFinite(sentAt) || Math.abs(now.getTime() - sentAt) > esscMaxSkewMs) {
    return { ok: false, code: esscCodes.staleTimestamp };
  }
  try {
    return { ok: true, body: JSON.parse(decryptSecurity(parseChannelKey(channel.key), envelope.security)) };
  } catch {
    return { ok: false, code: esscCodes.badSecurity };
  }
}
