// 更换手机号's steps (states.ts has the diagram): prove the holder with the old phone's SMS code or a
// face check of the account's own identity (实名 / 实人 only), then send and verify the new phone's code
// and replace the number; every step answers the flow to show next, done, or a refusal.

import type { FaceResult } from '../../adapters/face-verification/types.js';
import { levelRank, type IdentityLevel } from '../../domain/levels.js';
import { maskPhone } from '../../domain/masking.js';
import { parseMobile } from '../../domain/phone.js';
import { AppError, ValidationError } from '../../errors/app-error.js';
import type { PiiCipher } from '../../services/crypto/index.js';
import type { Services } from '../../services/index.js';
import { FlowError, type Flow } from '../engine/store.js';
import { verifySmsCode } from '../steps/sms-code.js';
import { loadOwnFlow, type FlowHolder } from './own-flow.js';
import { refused, refusalOf, type ChangeContext, type Refused } from './outcomes.js';
import { changePhoneFlow, type ChangePhoneFacts, type ChangePhoneState } from './states.js';

const phoneAad = 'flows.account-change-phone.phone';

export type PhoneFlow = Flow<ChangePhoneState, ChangePhoneFacts>;

/** What the steps use: the services, and the cipher that seals the new number in the flow. */
export interface PhoneSteps {
  services: Services;
  cipher: PiiCipher;
}

/** Who is changing the number: the signed-in account, this browser (flows are bound to it), from which address. */
export interface PhoneHolder {
  accountId: string;
  level: IdentityLevel;
  phoneE164: string | undefined;
  browserId: string;
  ip: string;
}

/** What the phone form posts. */
export interface PhoneForm {
  action: string;
  flow: string;
  phone: string;
  code: string;
  captchaId: string;
  captchaAnswer: string;
  pow: string;
}

/** A message key with its parameters (the masked number a code went to). */
export interface Notice {
  code: string;
  params: Record<string, string>;
}

/** The flow's next page (with what to say), done with the new number, or a refusal (with the flow to stay on, if any). */
export type PhoneResult = { kind: 'step'; flow: PhoneFlow; notice?: Notice } | { kind: 'done'; phoneE164: string } | (Refused & { flow?: PhoneFlow });

/** Whether the face way is offered to the account, or why not (an i18n key; undefined when no verifier is configured). */
export async function faceOption(services: Services, holder: Pick<PhoneHolder, 'accountId' | 'level'>): Promise<{ offered: true } | { offered: false; reason?: string }> {
  if (!services.assurance.faceAvailable) return { offered: false };
  if (levelRank(holder.level) < levelRank('real_name') || !(await services.assurance.identityOf(holder.accountId))) {
    return { offered: false, reason: 'account.phone.face_needs_real_name' };
  }
  return { offered: true };
}

/** The holder's flow `id` in one of `expected`. Throws FlowError (also for another account's flow). */
export function loadOwnPhoneFlow(services: Services, holder: FlowHolder, id: string, expected: readonly ChangePhoneState[]): Promise<PhoneFlow> {
  return loadOwnFlow<ChangePhoneState, ChangePhoneFacts>(services, changePhoneFlow, holder, id, expected);
}

/** The page of a running flow (`?flow=`), or why it cannot be shown. */
export async function resumePhoneFlow(services: Services, holder: PhoneHolder, id: string): Promise<PhoneResult> {
  try {
    return { kind: 'step', flow: await loadOwnPhoneFlow(services, holder, id, ['face', 'old_verified', 'new_code_sent']) };
  } catch (err) {
    if (!(err instanceof FlowError)) throw err;
    return refused(err.code, err.status);
  }
}

/** 人脸识别验证 pressed: a new flow in the face state, or why the face way is not offered (403, or 503 without a verifier). */
export async function startPhoneFaceFlow(services: Services, holder: PhoneHolder): Promise<{ kind: 'started'; flow: PhoneFlow } | Refused> {
  const option = await faceOption(services, holder);
  if (!option.offered) return refused(option.reason ?? 'face.unavailable', option.reason ? 403 : 503);
  return { kind: 'started', flow: await services.flows.start<ChangePhoneState, ChangePhoneFacts>(changePhoneFlow, holder.browserId, { facts: {}, accountId: holder.accountId, state: 'face' }) };
}

/** Every settled face check of the journey is audited (with its certify id); a pending one is not. */
export async function recordPhoneFaceCheck(services: Services, flow: PhoneFlow, result: FaceResult, change: ChangeContext): Promise<void> {
  if (result === 'pending') return;
  await services.audit.record({ event: 'account.phone_face_check', outcome: result === 'passed' ? 'success' : 'failure', subject: change.actor, ...change, details: { certifyId: flow.facts.certifyId } });
}

/** The face check passed (asked server-side): the holder is proven, by face. */
export function phoneFacePassed(services: Services, flow: PhoneFlow): Promise<PhoneFlow> {
  return services.flows.advance(changePhoneFlow, flow, 'old_verified', { verifiedBy: 'face', certifyUrl: undefined });
}

/**
 * One POST of the phone form, by `action`: send_old (a code to the old phone; an account without a
 * phone skips to old_verified), verify_old, send_new (a number that is valid, another one and free;
 * the captcha is checked before a taken number is told) and verify_new (the number is replaced).
 * A refusal keeps the flow it had loaded, unless the flow itself was the problem.
 */
export async function changePhoneStep(steps: PhoneSteps, holder: PhoneHolder, form: PhoneForm, change: ChangeContext): Promise<PhoneResult> {
  const { services, cipher } = steps;
  let flow: PhoneFlow | undefined;
  const loadFlow = async (expected: ChangePhoneState[]) => (flow = await loadOwnPhoneFlow(services, holder, form.flow, expected));
  const start = () => services.flows.start<ChangePhoneState, ChangePhoneFacts>(changePhoneFlow, holder.browserId, { facts: {}, accountId: holder.accountId });
  const send = (phoneE164: string) =>
    services.smsCodes.send({ purpose: 'change_phone', phoneE164, captchaId: form.captchaId, captchaAnswer: form.captchaAnswer, pow: form.pow, ip: holder.ip, deliver: true });
  const verify = async (phoneE164: string) => {
    const proven = await verifySmsCode(services.smsCodes, { purpose: 'change_phone', phoneE164, code: form.code }, { malformed: 'form.invalid_code_format' });
    if (!proven.ok) throw new ValidationError(proven.message, proven.field);
  };
  const codeSent = (phoneE164: string): Notice => ({ code: 'account.phone.code_sent', params: { phone: maskPhone(phoneE164) } });
  try {
    if (form.action === 'send_old') {
      if (!holder.phoneE164) return { kind: 'step', flow: await services.flows.advance(changePhoneFlow, await start(), 'old_verified') };
      await send(holder.phoneE164);
      return { kind: 'step', flow: await start(), notice: codeSent(holder.phoneE164) };
    }
    if (form.action === 'verify_old') {
      const loaded = await loadFlow(['old_code_sent']);
      await verify(holder.phoneE164 ?? '');
      return { kind: 'step', flow: await services.flows.advance(changePhoneFlow, loaded, 'old_verified', { verifiedBy: 'sms' }) };
    }
    if (form.action === 'send_new') {
      const loaded = await loadFlow(['old_verified', 'new_code_sent']);
      const parsed = parseMobile(form.phone);
      if (!parsed.ok) throw new ValidationError(parsed.code, 'phone');
      if (parsed.e164 === holder.phoneE164) throw new ValidationError('account.phone.same', 'phone');
      if (await services.accounts.phoneTaken(parsed.e164)) {
        if (!(await services.captcha.verify(form.captchaId, form.captchaAnswer))) throw new ValidationError('captcha.invalid', 'captcha');
        throw new ValidationError('account.phone.taken', 'phone');
      }
      await send(parsed.e164);
      const next = await services.flows.advance(changePhoneFlow, loaded, 'new_code_sent', { newPhoneEnvelope: cipher.encrypt(parsed.e164, phoneAad), maskedNewPhone: maskPhone(parsed.e164) });
      return { kind: 'step', flow: next, notice: codeSent(parsed.e164) };
    }
    if (form.action === 'verify_new') {
      const loaded = await loadFlow(['new_code_sent']);
      const target = cipher.decrypt(loaded.facts.newPhoneEnvelope ?? '', phoneAad);
      await verify(target);
      await services.accountCentre.changePhone(holder.accountId, target, holder.phoneE164, change, loaded.facts.verifiedBy ?? 'none');
      await services.flows.advance(changePhoneFlow, loaded, 'done');
      return { kind: 'done', phoneE164: target };
    }
    throw new AppError('errors.bad_request', 400);
  } catch (err) {
    const refusal = refusalOf(err);
    if (!refusal) throw err;
    if (err instanceof FlowError) flow = undefined;
    return { ...refusal, ...(flow ? { flow } : {}) };
  }
}
