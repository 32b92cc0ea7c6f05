// The password rule for citizen accounts: 8–20 printable ASCII characters from at least 3 of 4
// classes, not containing the account's phone or document number. Pure; returns every broken rule.

import { normaliseDocumentInput } from './documents.js';
import { parseMobile } from './phone.js';

export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 20;
export const PASSWORD_MIN_CLASSES = 3;

/** i18n key of the rule as shown next to the field before anyone types. */
export const passwordRuleHintKey = 'password.rule_hint';

export const passwordErrorCodes = [
  'password.too_short',
  'password.too_long',
  'password.invalid_characters',
  'password.too_few_classes',
  'password.contains_phone',
  'password.contains_document',
] as const;
export type PasswordErrorCode = (typeof passwordErrorCodes)[number];

export type PasswordResult = { ok: true } | { ok: false; codes: [PasswordErrorCode, ...PasswordErrorCode[]] };

export interface PasswordContext {
  /** The account's phone, E.164 or national. */
  phone?: string | undefined;
  /** The account's document number (compared case-insensitively, normalised like input). */
  documentNumber?: string | undefined;
}

/**
 * Checks `password` against the rule and returns all codes it breaks, in a fixed order.
 * Only printable ASCII (no spaces) is allowed: it types the same on every keyboard and IME, and
 * 20 such characters stay within bcrypt's 72-byte input.
 */
export function checkPassword(password: string, context: PasswordContext = {}): PasswordResult {
  if (typeof password !== 'string') return { ok: false, codes: ['password.too_short'] };
  if (password.length > 4 * PASSWORD_MAX_LENGTH) return { ok: false, codes: ['password.too_long'] };
  const codes: PasswordErrorCode[] = [];
  const length = Array.from(password).length;
  if (length < PASSWORD_MIN_LENGTH) codes.push('password.too_short');
  if (length > PASSWORD_MAX_LENGTH) codes.push('password.too_long');
  if (!/^[\x21-\x7e]*$/.test(password)) codes.push('password.invalid_characters');
  const classes = [/[a-z]/, /[A-Z]/, /\d/, /[\x21-\x2f\x3a-\x40\x5b-\x60\x7b-\x7e]/].filter((re) =>
    re.test(password),
  ).length;
  if (classes < PASSWORD_MIN_CLASSES) codes.push('password.too_few_classes');
  const phone = context.phone === undefined ? undefined : parseMobile(context.phone);
  if (phone?.ok && password.includes(phone.national)) codes.push('password.contains_phone');
  const documentNumber =
    context.documentNumber === undefined ? '' : normaliseDocumentInput(context.documentNumber.slice(0, 256));
  if (documentNumber.length >= 5 && password.toUpperCase().includes(documentNumber)) {
    codes.push('password.contains_document');
  }
  const [first, ...rest] = codes;
  return first === undefined ? { ok: true } : { ok: false, codes: [first, ...rest] };
}
