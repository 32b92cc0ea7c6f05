// 我的信息 and 修改密码 as steps: a reveal code to the account's phone, the full document number after
// the password or that code (each attempt audited with its method), and a new password after the current one.

import { maskPhone } from '../../domain/masking.js';
import { ValidationError } from '../../errors/app-error.js';
import type { Services } from '../../services/index.js';
import { attempt, done, refused, refusalOf, type ChangeContext, type Done, type Refused } from './outcomes.js';

/** The account as these steps need it. */
export interface ProfileHolder {
  accountId: string;
  phoneE164: string | undefined;
  documentNumber: string | undefined;
}

/** 获取验证码 for the reveal: only with a phone and a document; graphical captcha first, then the SMS service's per-number and per-IP limits. */
export async function sendRevealCode(services: Services, holder: ProfileHolder, input: { captchaId: string; captchaAnswer: string; pow: string; ip: string }): Promise<{ kind: 'sent'; maskedPhone: string } | Refused> {
  const { phoneE164 } = holder;
  if (!phoneE164 || !holder.documentNumber) return refused('account.info.no_phone', 400);
  const sent = await attempt(() => services.smsCodes.send({ purpose: 'reveal', phoneE164, ...input, deliver: true }));
  return sent.kind === 'ok' ? { kind: 'sent', maskedPhone: maskPhone(phoneE164) } : sent;
}

/**
 * The full document number after the password (under the account's sign-in lockout) or the reveal
 * code (single use); both audited. A wrong code may be tried again (refused on the field `code`,
 * `codeSent`); anything else, and any password refusal, is shown above the form.
 */
export async function revealDocument(
  services: Services,
  holder: ProfileHolder,
  proof: { method: 'pwd'; password: string } | { method: 'sms'; purpose: 'reveal'; code: string },
  change: ChangeContext,
): Promise<{ kind: 'revealed'; documentNumber: string | undefined } | (Refused & { codeSent: boolean })> {
  const audit = (outcome: 'success' | 'failure', details: Record<string, string>) =>
    services.audit.record({ event: 'account.document_revealed', outcome, subject: holder.accountId, ...change, details: { method: proof.method, ...details } });
  try {
    await services.reauth.verify(holder.accountId, proof);
  } catch (err) {
    const refusal = refusalOf(err);
    if (!refusal) throw err;
    await audit('failure', { reason: proof.method === 'pwd' ? 'password' : 'sms_code' });
    const again = proof.method === 'sms' && err instanceof ValidationError && err.code === 'login.sms_invalid';
    return { ...refused(refusal.code, refusal.status, again ? 'code' : undefined, refusal.params), codeSent: again };
  }
  await audit('success', {});
  return { kind: 'revealed', documentNumber: holder.documentNumber };
}

/** 修改密码: the current password (under the sign-in lockout), the confirmation, then the policy as setPassword checks it. */
export async function changePassword(services: Services, accountId: string, input: { current: string; next: string; confirm: string }, change: ChangeContext): Promise<Done | Refused> {
  const changed = await attempt(async () => {
    await services.reauth.verify(accountId, { method: 'pwd', password: input.current });
    if (input.next !== input.confirm) throw new ValidationError('register.password_mismatch', 'confirmPassword');
    await services.accounts.setPassword(accountId, input.next, change);
  });
  return changed.kind === 'ok' ? done : changed;
}
