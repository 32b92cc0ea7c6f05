// The 忘记密码 steps: identify (captcha first), send an SMS code to the account's phone or the
// identity's stand-in, prove it or pass a face check, set the new password. Each returns a tagged
// outcome; until a factor is proven, an unknown identity gets exactly the answers a known one gets.

import { maskPhone } from '../../domain/masking.js';
import { ValidationError } from '../../errors/app-error.js';
import type { MessageKey } from '../../i18n/index.js';
import { FlowError, type Flow } from '../engine/store.js';
import { sendRefusal, type IdentityStepDeps, type StepContext, type StepOutcome, type TypedIdentity } from '../steps/identity-steps.js';
import { smsCodeRefusal, verifySmsCode } from '../steps/sms-code.js';
import { standInPhone } from './stand-in.js';
import { recoveryFlow, type RecoveryFacts, type RecoveryState } from './states.js';

export type RecoveryFlow = Flow<RecoveryState, RecoveryFacts>;

/**
 * 下一步 of the identify form: the captcha first (each look-up costs a solved captcha), then the
 * parsed identity; starts a flow at 'choose' with the masked phone of the matching account, or the
 * identity's stand-in when the document, name or certificate type does not match one.
 */
export async function identify(
  deps: IdentityStepDeps,
  input: { captchaId: string; captchaAnswer: string; identity?: TypedIdentity | undefined; errors: Record<string, string>; interactionUid: string | undefined },
  browserId: string,
): Promise<{ kind: 'started'; flowId: string } | Extract<StepOutcome, { kind: 'fieldErrors' }>> {
  const { services } = deps;
  const captchaOk = await services.captcha.verify(input.captchaId, input.captchaAnswer);
  const { identity } = input;
  const errors = { ...input.errors, ...(captchaOk ? {} : { captcha: 'captcha.invalid' }) } as Record<string, MessageKey>;
  if (!identity || !captchaOk) return { kind: 'fieldErrors', fields: errors, status: 400 };
  const holder = await services.accounts.findAccountIdByDocument(identity.idNumber);
  const account = holder ? await services.accounts.getAccount(holder) : undefined;
  const matches = account !== undefined && account.name === identity.name && account.certType === identity.certType;
  const accountId = matches && account ? account.id : null;
  // From the account already read, so the right name costs no extra look-up.
  const phone = matches && account?.phoneE164 ? account.phoneE164 : standInPhone(deps.blindIndex, identity);
  const flow = await services.flows.start(recoveryFlow, browserId, {
    facts: { identityEnvelope: deps.identities.seal(identity), maskedPhone: maskPhone(phone), ...(input.interactionUid ? { interactionUid: input.interactionUid } : {}) },
    accountId,
    state: 'choose',
  });
  return { kind: 'started', flowId: flow.id };
}

/** The phone a recovery code goes to: the account's, or the identity's stand-in, never messaged. */
async function targetPhone(deps: IdentityStepDeps, flow: RecoveryFlow): Promise<{ e164: string; real: boolean }> {
  const account = flow.accountId ? await deps.services.accounts.getAccount(flow.accountId) : undefined;
  if (account?.phoneE164) return { e164: account.phoneE164, real: true };
  return { e164: standInPhone(deps.blindIndex, deps.identities.open(flow.facts.identityEnvelope)), real: false };
}

/** 短信验证码: sends the code (captcha, limits) to the target phone, delivered only to a real one; the flow goes to sms_sent. */
export async function sendRecoveryCode(
  deps: IdentityStepDeps,
  flow: RecoveryFlow,
  input: { captchaId: string; captchaAnswer: string; pow: string },
  context: StepContext,
): Promise<StepOutcome> {
  const phone = await targetPhone(deps, flow);
  try {
    await deps.services.smsCodes.send({ purpose: 'recover', phoneE164: phone.e164, ...input, ip: context.ip, deliver: phone.real });
  } catch (err) {
    const refusal = sendRefusal(err);
    if (refusal) return refusal;
    throw err;
  }
  await deps.services.flows.advance(recoveryFlow, flow, 'sms_sent');
  await deps.services.audit.record({ event: 'recovery.sms_sent', outcome: 'info', subject: flow.accountId, ...context, details: { phone: flow.facts.maskedPhone } });
  return { kind: 'next' };
}

/** The code sent: proven for a known account, the flow goes to verified; anything else reads as a wrong code (audited). */
export async function verifyRecoveryCode(deps: IdentityStepDeps, flow: RecoveryFlow, code: string, context: StepContext): Promise<StepOutcome> {
  const phone = await targetPhone(deps, flow);
  const wording = { invalid: 'recover.code_invalid' } as const;
  const proven = await verifySmsCode(deps.services.smsCodes, { purpose: 'recover', phoneE164: phone.e164, code }, wording);
  if (!proven.ok || !flow.accountId || !phone.real) {
    // A code "proven" for a stand-in number (no account) is told as a wrong code (no enumeration).
    const refusal = proven.ok ? smsCodeRefusal('invalid', wording) : proven;
    await deps.services.audit.record({ event: 'recovery.sms_verified', outcome: 'failure', subject: flow.accountId, ...context });
    return { kind: 'fieldErrors', fields: { [refusal.field]: refusal.message }, status: 400 };
  }
  await deps.services.flows.advance(recoveryFlow, flow, 'verified');
  return { kind: 'next' };
}

/** The face check passed (audited): a known account's flow goes to verified; an identity without one learns it only now. */
export async function recoveryFacePassed(deps: IdentityStepDeps, flow: RecoveryFlow, context: StepContext): Promise<StepOutcome | { kind: 'noAccount' }> {
  await deps.services.audit.record({ event: 'recovery.face_verified', outcome: 'success', subject: flow.accountId, ...context, details: { certifyId: flow.facts.certifyId } });
  if (!flow.accountId) return { kind: 'noAccount' };
  await deps.services.flows.advance(recoveryFlow, flow, 'verified', { certifyUrl: undefined });
  return { kind: 'next' };
}

/**
 * 确认 of the new password (a verified flow): both fields alike, the policy (ValidationError from the
 * service), then the reset (lockout cleared, sessions ended); the flow is done. Throws FlowError
 * when the flow names no account.
 */
export async function setNewPassword(
  deps: IdentityStepDeps,
  flow: RecoveryFlow,
  input: { password: string; confirmPassword: unknown },
  context: StepContext,
): Promise<StepOutcome> {
  if (input.password !== input.confirmPassword) return { kind: 'fieldErrors', fields: { confirmPassword: 'register.password_mismatch' }, status: 400 };
  if (!flow.accountId) throw new FlowError('out_of_order');
  try {
    await deps.services.recovery.resetPassword(flow.accountId, input.password, { actor: flow.accountId, ...context });
  } catch (err) {
    if (err instanceof ValidationError) return { kind: 'fieldErrors', fields: { password: err.code }, status: 400 };
    throw err;
  }
  await deps.services.flows.advance(recoveryFlow, flow, 'done');
  return { kind: 'done' };
}
