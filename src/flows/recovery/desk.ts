// 输入工作人员发起的验证码: the code a service desk member had sent to the account's bound phone opens
// the ordinary recovery flow at its last step, a new password. Tries are limited per IP and per
// code; every miss reads the same (audited).

import { maskPhone } from '../../domain/masking.js';
import { parseMobile } from '../../domain/phone.js';
import { verifySmsCode } from '../steps/sms-code.js';
import { recoveryFlow } from './states.js';
import type { IdentityStepDeps, StepContext, StepOutcome } from '../steps/identity-steps.js';

/** Tries of the desk code form per IP address and hour (each code also allows only a few tries). */
export const deskCodeTriesPerIpHour = 20;

/**
 * The typed phone and code: the per-IP limit first (429), the number's shape (400), then the code;
 * a proven code of an account's phone starts a recovery flow at 'verified' in this browser.
 */
export async function openDeskReset(
  deps: IdentityStepDeps,
  input: { phone: string; code: string },
  context: StepContext & { browserId: string },
): Promise<{ kind: 'started'; flowId: string } | Extract<StepOutcome, { kind: 'fieldErrors' | 'refused' }>> {
  const { services } = deps;
  const { ip, requestId } = context;
  const values = { phone: input.phone };
  const limit = await services.rateLimiter.consume([{ bucket: `desk-reset:ip:${ip}:h`, limit: deskCodeTriesPerIpHour, windowSeconds: 3600 }]);
  if (!limit.ok) return { kind: 'refused', code: 'errors.rate_limited', params: { seconds: limit.retryAfterSeconds }, status: 429, values };
  const phone = parseMobile(input.phone);
  if (!phone.ok) return { kind: 'fieldErrors', fields: { phone: phone.code }, status: 400, values };
  const proven = await verifySmsCode(services.smsCodes, { purpose: 'desk_reset', phoneE164: phone.e164, code: input.code });
  const accountId = proven.ok ? await services.accounts.findAccountIdByPhone(phone.e164) : undefined;
  const account = accountId ? await services.accounts.getAccount(accountId) : undefined;
  if (!account) {
    await services.audit.record({ event: 'recovery.sms_verified', outcome: 'failure', subject: accountId ?? null, ip, requestId, details: { via: 'service_desk' } });
    return { kind: 'fieldErrors', fields: { code: 'recover.code_invalid' }, status: 400, values };
  }
  const identity = account.certType && account.documentNumber && account.name
    ? deps.identities.seal({ certType: account.certType, idNumber: account.documentNumber, name: account.name })
    : '';
  const facts = { identityEnvelope: identity, maskedPhone: maskPhone(phone.e164) };
  const flow = await services.flows.start(recoveryFlow, context.browserId, { facts, accountId: account.id, state: 'verified' });
  await services.audit.record({ event: 'recovery.sms_verified', outcome: 'success', subject: account.id, ip, requestId, details: { via: 'service_desk' } });
  return { kind: 'started', flowId: flow.id };
}
