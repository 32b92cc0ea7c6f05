// The 用户申诉 steps: start an appeal for a typed identity, settle its face check, then what the
// appeal type needs (take the document's account over, reclaim a phone by SMS, or release the family
// binding). Each returns a tagged outcome; every outcome is audited, a failed face check changes nothing.

import { maskPhone } from '../../domain/masking.js';
import { parseMobile } from '../../domain/phone.js';
import { NotFoundError, ValidationError } from '../../errors/app-error.js';
import type { MessageKey } from '../../i18n/index.js';
import type { PiiCipher } from '../../services/crypto/index.js';
import type { IdentityAssurance } from '../../services/identity-assurance.js';
import { FlowError, type Flow } from '../engine/store.js';
import { sendRefusal, type IdentityStepDeps, type StepContext, type StepOutcome, type TypedIdentity } from '../steps/identity-steps.js';
import { verifySmsCode } from '../steps/sms-code.js';
import { appealFlow, appealTypes, type AppealFacts, type AppealState, type AppealType } from './states.js';

export type AppealFlow = Flow<AppealState, AppealFacts>;

/** The identity steps' dependencies and the cipher the phone to reclaim is sealed with. */
export type AppealStepDeps = IdentityStepDeps & { cipher: PiiCipher };

/** A face check's settled result (passed, failed, …). */
type FaceResult = Awaited<ReturnType<IdentityAssurance['settledFaceResult']>>;

const phoneAad = 'flows.appeal.phone';

/** 下一步 of the identify form: a known appeal type and a valid identity start a flow at the face check (audited). */
export async function startAppeal(
  deps: AppealStepDeps,
  input: { type: string; identity?: TypedIdentity | undefined; errors: Record<string, string> },
  context: StepContext & { browserId: string },
): Promise<{ kind: 'started'; flowId: string } | Extract<StepOutcome, { kind: 'fieldErrors' }>> {
  const type = input.type as AppealType;
  const errors = { ...input.errors, ...(appealTypes.includes(type) ? {} : { type: 'errors.bad_request' }) } as Record<string, MessageKey>;
  if (!input.identity || Object.keys(errors).length > 0) return { kind: 'fieldErrors', fields: errors, status: 400 };
  const flow = await deps.services.flows.start(appealFlow, context.browserId, { facts: { type, identityEnvelope: deps.identities.seal(input.identity) } });
  await deps.services.audit.record({ event: 'appeal.started', outcome: 'info', ip: context.ip, requestId: context.requestId, details: { type } });
  return { kind: 'started', flowId: flow.id };
}

/** Records every face check result an appeal settled (the type and the result; a failure changes nothing). */
export async function recordFaceCheck(deps: AppealStepDeps, flow: AppealFlow, result: FaceResult, context: StepContext): Promise<void> {
  await deps.services.audit.record({ event: 'appeal.face_check', outcome: result === 'passed' ? 'success' : 'failure', ...context, details: { type: flow.facts.type, result } });
}

/**
 * The face check passed: the flow goes to verified. A family appeal releases the binding at once; a
 * document appeal ends here when no account of this type and number exists (the same number under
 * another certificate type is another person's account: not taken over); otherwise the type's form.
 */
export async function appealFacePassed(deps: AppealStepDeps, flow: AppealFlow, context: StepContext): Promise<StepOutcome> {
  const { services } = deps;
  const verified = await services.flows.advance(appealFlow, flow, 'verified', { certifyUrl: undefined });
  if (verified.facts.type === 'family') {
    const identity = deps.identities.open(verified.facts.identityEnvelope);
    const binder = await services.recovery.releaseFamilyBinding(identity.idNumber, context);
    await services.flows.advance(appealFlow, verified, 'done');
    return { kind: 'done', message: binder ? 'appeal.done_family' : 'appeal.done_family_none', registerLink: true };
  }
  if (verified.facts.type === 'document') {
    const identity = deps.identities.open(verified.facts.identityEnvelope);
    if (!(await services.recovery.holderOf(identity))) {
      const otherType = (await services.accounts.findAccountIdByDocument(identity.idNumber)) !== undefined;
      await services.flows.advance(appealFlow, verified, 'done');
      return otherType ? { kind: 'done', message: 'appeal.done_other_cert_type' } : { kind: 'done', message: 'appeal.done_no_account', registerLink: true };
    }
  }
  return { kind: 'next' };
}

/**
 * 证件号码被占用: the proven holder sets a new password and takes the document's account over.
 * Throws FlowError for another appeal type, or when no account of this type and number exists.
 */
export async function takeOverAccount(
  deps: AppealStepDeps,
  flow: AppealFlow,
  input: { password: string; confirmPassword: unknown },
  context: StepContext,
): Promise<StepOutcome> {
  if (flow.facts.type !== 'document') throw new FlowError('out_of_order');
  if (input.password !== input.confirmPassword) return { kind: 'fieldErrors', fields: { confirmPassword: 'register.password_mismatch' }, status: 400 };
  let accountId: string;
  try {
    accountId = await deps.services.recovery.takeOver(deps.identities.open(flow.facts.identityEnvelope), input.password, { actor: `appeal:${flow.id}`, ...context });
  } catch (err) {
    if (err instanceof ValidationError) return { kind: 'fieldErrors', fields: { password: err.code }, status: 400 };
    if (err instanceof NotFoundError) throw new FlowError('out_of_order'); // no account of this type and number
    throw err;
  }
  await deps.services.flows.advance(appealFlow, flow, 'done', {}, { accountId });
  return { kind: 'done', message: 'appeal.done_takeover' };
}

/** 移动电话被占用: sends a code (captcha, limits) to the typed phone, kept sealed in the flow (phone_code). Throws FlowError for another type. */
export async function sendAppealCode(
  deps: AppealStepDeps,
  flow: AppealFlow,
  input: { phone: string; captchaId: string; captchaAnswer: string; pow: string },
  context: StepContext,
): Promise<StepOutcome> {
  if (flow.facts.type !== 'phone') throw new FlowError('out_of_order');
  const values = { phone: input.phone };
  const phone = parseMobile(input.phone);
  if (!phone.ok) return { kind: 'fieldErrors', fields: { phone: phone.code }, status: 400, values };
  try {
    const answers = { captchaId: input.captchaId, captchaAnswer: input.captchaAnswer, pow: input.pow };
    await deps.services.smsCodes.send({ purpose: 'appeal', phoneE164: phone.e164, ...answers, ip: context.ip, deliver: true });
  } catch (err) {
    const refusal = sendRefusal(err, values);
    if (refusal) return refusal;
    throw err;
  }
  await deps.services.flows.advance(appealFlow, flow, 'phone_code', { phoneEnvelope: deps.cipher.encrypt(phone.e164, phoneAad), maskedPhone: maskPhone(phone.e164) });
  return { kind: 'next' };
}

/** The code sent to the phone: proven, the phone moves to the proven identity's account (or is just freed). Throws FlowError without a phone. */
export async function reclaimPhone(deps: AppealStepDeps, flow: AppealFlow, code: string, context: StepContext): Promise<StepOutcome> {
  if (!flow.facts.phoneEnvelope) throw new FlowError('out_of_order');
  const phoneE164 = deps.cipher.decrypt(flow.facts.phoneEnvelope, phoneAad);
  const proven = await verifySmsCode(deps.services.smsCodes, { purpose: 'appeal', phoneE164, code });
  if (!proven.ok) return { kind: 'fieldErrors', fields: { [proven.field]: proven.message }, status: 400 };
  const own = await deps.services.recovery.holderOf(deps.identities.open(flow.facts.identityEnvelope));
  await deps.services.recovery.reclaimPhone(phoneE164, own, { actor: `appeal:${flow.id}`, ...context });
  await deps.services.flows.advance(appealFlow, flow, 'done', {}, { accountId: own ?? null });
  return { kind: 'done', message: own ? 'appeal.done_phone' : 'appeal.done_phone_register', registerLink: !own };
}
