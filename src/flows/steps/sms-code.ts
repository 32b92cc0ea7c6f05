// The SMS-code step every journey shares (sign-in, registration, bind-phone, recovery, appeals, the
// user centre, re-authentication): six digits, then the code service's verdict, mapped once to the
// field error a form shows (invalid, expired, exhausted) and whether a new code must be sent.

import type { MessageKey } from '../../i18n/index.js';
import type { SmsCodeService } from '../../services/sms-codes.js';

export type SmsCodeInput = Parameters<SmsCodeService['verify']>[0];
export type SmsCodeFailure = 'invalid' | 'expired' | 'exhausted';

/** A refused code: the form field and message to show it with, and whether only a new code can help. */
export interface SmsCodeRefusal {
  ok: false;
  outcome: SmsCodeFailure;
  field: 'code';
  message: MessageKey;
  /** Expired or exhausted: this code can no longer pass, the form must offer sending a new one. */
  resend: boolean;
}

export type SmsCodeResult = { ok: true } | SmsCodeRefusal;

/** A journey's own wording: for a code that is not six digits, and for a wrong code (default 'login.sms_invalid' for both). */
export interface SmsCodeMessages {
  malformed?: MessageKey;
  invalid?: MessageKey;
}

const expiredMessages = { expired: 'login.sms_expired', exhausted: 'login.sms_exhausted' } as const satisfies Record<string, MessageKey>;

/** Whether a code has the shape of one we send (six digits); a form that checks all fields first asks this. */
export function isSmsCodeShaped(code: string): boolean {
  return /^\d{6}$/.test(code);
}

/** The refusal for `outcome` (also for a proven code a journey must still refuse, e.g. a number without an account). */
export function smsCodeRefusal(outcome: SmsCodeFailure, messages: SmsCodeMessages = {}): SmsCodeRefusal {
  const message = outcome === 'invalid' ? (messages.invalid ?? 'login.sms_invalid') : expiredMessages[outcome];
  return { ok: false, outcome, field: 'code', message, resend: outcome !== 'invalid' };
}

/** Whether an error key says the code can no longer pass (expired or exhausted), so the form offers a new one. */
export function smsCodeNeedsResend(key: string): boolean {
  return Object.values<string>(expiredMessages).includes(key);
}

/** Checks the shape (a malformed code is never sent to the service) and verifies the code for `purpose` and phone. */
export async function verifySmsCode(smsCodes: Pick<SmsCodeService, 'verify'>, input: SmsCodeInput, messages: SmsCodeMessages = {}): Promise<SmsCodeResult> {
  if (!isSmsCodeShaped(input.code)) return { ...smsCodeRefusal('invalid', messages), ...(messages.malformed ? { message: messages.malformed } : {}) };
  const outcome = await smsCodes.verify(input);
  return outcome === 'ok' ? { ok: true } : smsCodeRefusal(outcome, messages);
}
