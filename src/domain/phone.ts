// Mainland China mobile numbers: parses what people type (spaces, dashes, +86/86/0086, full-width
// digits) into E.164 and the 11-digit national form. Pure; returns results, never throws.

import { foldFullWidth } from './documents.js';

export const phoneErrorCodes = ['phone.empty', 'phone.invalid', 'phone.not_mainland'] as const;
export type PhoneErrorCode = (typeof phoneErrorCodes)[number];

export type MobileResult =
  | { ok: true; e164: string; national: string }
  | { ok: false; code: PhoneErrorCode };

/** Inputs longer than this are refused before any other work. */
export const MAX_PHONE_INPUT = 64;

const nationalPattern = /^1[3-9]\d{9}$/;

/** Parses a mainland mobile number; `+852…` and other country codes answer `phone.not_mainland`. */
export function parseMobile(raw: string): MobileResult {
  if (typeof raw !== 'string') return { ok: false, code: 'phone.invalid' };
  if (raw.length > MAX_PHONE_INPUT) return { ok: false, code: 'phone.invalid' };
  const compact = foldFullWidth(raw).replace(/[\s\-\u2010-\u2015]+/gu, '');
  if (compact.length === 0) return { ok: false, code: 'phone.empty' };
  let national = compact;
  if (/^(\+|00)86/.test(compact)) national = compact.replace(/^(\+|00)86/, '');
  else if (/^(\+|00)/.test(compact)) return { ok: false, code: 'phone.not_mainland' };
  else if (/^86\d{11}$/.test(compact)) national = compact.slice(2);
  if (!nationalPattern.test(national)) return { ok: false, code: 'phone.invalid' };
  return { ok: true, e164: `+86${national}`, national };
}

/** The 11-digit national number of a mainland E.164 number (`+8613912345678`), else undefined. */
export function nationalFromE164(e164: string): string | undefined {
  const match = /^\+86(1[3-9]\d{9})$/.exec(e164);
  return match?.[1];
}
