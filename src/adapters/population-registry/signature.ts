// Request signing for our provincial registry gateway contract (shared by the HTTP adapter and
// the mock gateway). Every request carries:
//   X-App-Key: <appKey>
//   X-Timestamp: <milliseconds since the epoch>
//   X-Nonce: <random, 32 hex characters, single use>
//   X-Signature: hex(HMAC-SHA256(appSecret, timestamp + "\n" + nonce + "\n" + rawBody))
// The gateway refuses a timestamp more than 5 minutes off its own clock and a repeated nonce.

import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const registryHeaders = {
  appKey: 'x-app-key',
  timestamp: 'x-timestamp',
  nonce: 'x-nonce',
  signature: 'x-signature',
} as const;

export const registryMaxSkewMs = 5 * 60 * 1000;

export function signRegistryRequest(appSecret: string, timestamp: string, nonce: string, body: string): string {
  return createHmac('sha256', appSecret).update(`${timestamp}\n${nonce}\n${body}`, 'utf8').digest('hex');
}

export function verifyRegistrySignature(
  appSecret: string,
  timestamp: string,
  nonce: string,
  body: string,
  signature: string,
): boolean {
  const expected = Buffer.from(signRegistryRequest(appSecret, timestamp, nonce, body), 'utf8');
  const given = Buffer.from(signature, 'utf8');
  return expected.length === given.length && timingSafeEqual(expected, given);
}

export function newNonce(): string {
  return randomBytes(16).toString('hex');
}
