// The bind-phone steps after a first upstream sign-in: send a code to the chosen number (the
// upstream's offered one or a typed one; captcha first, a number held elsewhere gets a notice
// instead), then verify it through the shared SMS-code step and bind the number to the account.

import { maskPhone } from '../../domain/masking.js';
import { parseMobile } from '../../domain/phone.js';
import { RateLimitedError, ValidationError, type ErrorParams } from '../../errors/app-error.js';
import { ConflictError } from '../../services/accounts.js';
import type { PiiCipher } from '../../services/crypto/index.js';
import type { Services } from '../../services/index.js';
import { FlowError, type Flow } from '../engine/store.js';
import { verifySmsCode } from '../steps/sms-code.js';
import { bindPhoneFlow, offeredPhoneAad, type BindPhoneFacts } from './federated.js';

/** The cipher's associated data of `BindPhoneFacts.phoneEnvelope` (the number the code went to). */
const phoneAad = 'flows.login-bind-phone.phone';

export type BindPhoneState = 'required' | 'code_sent' | 'done';
export type BindPhoneFlow = Flow<BindPhoneState, BindPhoneFacts>;

/** What the steps use: the services they call and the cipher that seals the numbers in the flow. */
export interface BindPhoneDeps {
  services: Pick<Services, 'accounts' | 'smsCodes' | 'flows' | 'upstreamLinks'>;
  cipher: Pick<PiiCipher, 'encrypt' | 'decrypt'>;
}

/** The page again after a refusal: which step, the message (an i18n key, its parameters, its field), the refilled number and choice, the 用户申诉 link. */
export interface BindPhoneRefusal {
  kind: 'refused';
  step: 'send' | 'verify';
  code: string;
  params?: ErrorParams;
  field?: string;
  phone?: string;
  phoneChoice?: 'upstream' | 'other';
  appeal?: true;
  status: number;
}

/** What 获取验证码 led to: the flow moved to code_sent, or a refusal. */
export type BindPhoneSendResult = { kind: 'sent'; flow: BindPhoneFlow } | BindPhoneRefusal;

/** The bind-phone flow `id` of interaction `uid` in one of `states`. Throws FlowError (not_found for another interaction's, or one without an account). */
export async function loadBindPhone(
  deps: Pick<BindPhoneDeps['services'], 'flows'>,
  at: { uid: string; browserId: string },
  id: string,
  states: ReadonlyArray<'required' | 'code_sent'>,
): Promise<BindPhoneFlow> {
  const flow = await deps.flows.load<BindPhoneState, BindPhoneFacts>(bindPhoneFlow, id, at.browserId, states);
  if (flow.interactionUid !== at.uid || !flow.accountId) throw new FlowError('not_found');
  return flow;
}

/** What 获取验证码 posts: the choice (`upstream` for the offered number), the typed number, the captcha and proof of work. */
export interface BindPhoneSendInput {
  choice: string;
  phone: string;
  captchaId: string;
  captchaAnswer: string;
  pow: string;
  ip: string;
}

/**
 * Sends the code to the chosen number: the upstream's only when chosen (and offered), else the typed
 * one. Captcha first; a number that is another account's gets a notice instead of a code (the same
 * answer here), and its conflict is told only after a code proved it (verifyBindPhone).
 * Answers the flow moved to code_sent, or a refusal (a bad number or captcha, a limit).
 */
export async function sendBindPhoneCode(
  deps: BindPhoneDeps,
  flow: BindPhoneFlow,
  input: BindPhoneSendInput,
): Promise<BindPhoneSendResult> {
  const offered = input.choice === 'upstream' ? flow.facts.offered : undefined;
  const refill = { step: 'send' as const, phone: offered ? '' : input.phone, phoneChoice: offered ? ('upstream' as const) : ('other' as const) };
  const phone = offered ? parseMobile(deps.cipher.decrypt(offered.phoneEnvelope, offeredPhoneAad)) : parseMobile(input.phone);
  if (!phone.ok) return { kind: 'refused', ...refill, field: 'phone', code: phone.code, status: 400 };
  const heldElsewhere = async () => {
    const holder = await deps.services.accounts.findAccountIdByPhone(phone.e164);
    return holder !== undefined && holder !== flow.accountId ? ('phone_registered' as const) : undefined;
  };
  try {
    const { captchaId, captchaAnswer, pow, ip } = input;
    const limits = { captchaId, captchaAnswer, pow, ip };
    await deps.services.smsCodes.send({ purpose: 'bind_phone', phoneE164: phone.e164, ...limits, deliver: true, noticeInstead: heldElsewhere });
  } catch (err) {
    if (err instanceof ValidationError) return { kind: 'refused', ...refill, field: err.field ?? 'captcha', code: err.code, status: 400 };
    if (err instanceof RateLimitedError) return { kind: 'refused', ...refill, code: err.code, params: err.params, status: 429 };
    throw err;
  }
  const sealed = { phoneEnvelope: deps.cipher.encrypt(phone.e164, phoneAad), maskedPhone: maskPhone(phone.e164) };
  const moved = await deps.services.flows.advance(bindPhoneFlow, flow, 'code_sent', sealed);
  return { kind: 'sent', flow: moved };
}

/**
 * Verifies the code sent to the flow's number (the shared SMS-code step), binds the number and ends
 * the flow: answers the account and the amr the sign-in finishes with, or a refusal (a wrong, expired
 * or used-up code; a number another account holds, with 用户申诉).
 */
export async function verifyBindPhone(
  deps: BindPhoneDeps,
  flow: BindPhoneFlow,
  input: { code: string; ip: string; requestId: string },
): Promise<{ kind: 'bound'; accountId: string; amr: string[] } | BindPhoneRefusal> {
  const phoneE164 = deps.cipher.decrypt(flow.facts.phoneEnvelope ?? '', phoneAad);
  const proven = await verifySmsCode(deps.services.smsCodes, { purpose: 'bind_phone', phoneE164, code: input.code });
  if (!proven.ok) return { kind: 'refused', step: proven.resend ? 'send' : 'verify', code: proven.message, status: 401 };
  const accountId = flow.accountId as string;
  try {
    await deps.services.upstreamLinks.bindPhone(accountId, phoneE164, { ip: input.ip, requestId: input.requestId });
  } catch (err) {
    if (err instanceof ConflictError) return { kind: 'refused', step: 'send', phoneChoice: 'other', field: 'phone', code: err.code, appeal: true, status: 409 };
    throw err;
  }
  await deps.services.flows.advance(bindPhoneFlow, flow, 'done');
  return { kind: 'bound', accountId, amr: flow.facts.amr };
}
