// The registration steps shared by the web pages and the app API: check the identity fields,
// send the SMS code (captcha, limits; the same answer for taken and free numbers), and, once the
// code is proven, report a conflict (with its appeal) or create the account.
// Every rule failure is a FieldErrors map of i18n codes; the journey steps (begin, finish, enter the
// centre) run the flow and return tagged outcomes that routes render as a page or JSON.

import { checkPerson } from '../../domain/person.js';
import type { CertType } from '../../domain/documents.js';
import { maskPhone } from '../../domain/masking.js';
import { checkPassword } from '../../domain/password-policy.js';
import { parseMobile } from '../../domain/phone.js';
import type { IdentityLevel } from '../../domain/levels.js';
import type { MessageKey } from '../../i18n/zh-CN.js';
import { AppError, RateLimitedError, ValidationError } from '../../errors/app-error.js';
import { ConflictError } from '../../services/accounts.js';
import { FlowError } from '../engine/store.js';
import type { Services } from '../../services/index.js';
import { isSmsCodeShaped, verifySmsCode } from '../steps/sms-code.js';
import type { BlindIndex } from '../../services/crypto/index.js';
import type { Clock } from '../../domain/clock.js';
import type { Flow } from '../engine/store.js';
import { registrationFlow, type RegistrationFacts, type RegistrationState } from './states.js';

export type FieldErrors = Partial<Record<string, MessageKey>>;

/** The 用户申诉 type that resolves a conflict (a taken document or phone, a family binding). */
export type AppealKind = 'document' | 'phone' | 'family';

/** Raised with every field that failed, so a form can show them all at once. */
export class FieldErrorsError extends AppError {
  readonly fields: FieldErrors;
  /** Set when the failure is a conflict that 用户申诉 can resolve. */
  readonly appeal: AppealKind | undefined;
  /** Set once the SMS code was verified (and so spent): the form must not offer it again. */
  readonly codeSpent: boolean;
  constructor(fields: FieldErrors, appeal?: AppealKind, codeSpent = false) {
    super(Object.values(fields)[0] ?? 'errors.bad_request', appeal ? 409 : 400);
    this.name = 'FieldErrorsError';
    this.fields = fields;
    this.appeal = appeal;
    this.codeSpent = codeSpent;
  }
}

export interface IdentityInput {
  certType: string;
  documentNumber: string;
  name: string;
  phone: string;
}

export interface CheckedIdentity {
  certType: CertType;
  documentNumber: string;
  name: string;
  phoneE164: string;
}

/** Validates the identity fields; throws FieldErrorsError listing each broken one. */
export function checkIdentity(input: IdentityInput, today: Date): CheckedIdentity {
  const person = checkPerson(input, today);
  const errors: FieldErrors = person.ok ? {} : { ...person.errors };
  const phone = parseMobile(input.phone);
  if (!phone.ok) errors.phone = phone.code;
  if (!person.ok || !phone.ok) throw new FieldErrorsError(errors);
  return { ...person.person, phoneE164: phone.e164 };
}

export interface RegistrationDeps {
  services: Services;
  blindIndex: BlindIndex;
  clock: Clock;
}

/**
 * Sends the registration code to the phone: the captcha first, then the per-number and per-IP
 * limits, and the same answer whoever holds the document or the phone. Nothing about a conflict
 * is told here (that would make this an oracle at one captcha per look-up): a document that is
 * taken or bound as a family number is reported after the phone is proven (completeRegistration);
 * a phone that already has an account receives a notice instead of a code (it says the number is
 * registered and how to sign in or appeal), so only the phone's holder learns it, and no code that
 * could be talked out of them exists for it.
 */
export async function sendRegistrationCode(
  deps: RegistrationDeps,
  input: IdentityInput & { captchaId: string; captchaAnswer: string; pow: string; ip: string },
): Promise<{ identity: CheckedIdentity; facts: RegistrationFacts; resendAfterSeconds: number }> {
  const identity = checkIdentity(input, deps.clock.now());
  let sent;
  try {
    sent = await deps.services.smsCodes.send({
      purpose: 'register',
      phoneE164: identity.phoneE164,
      captchaId: input.captchaId,
      captchaAnswer: input.captchaAnswer,
      pow: input.pow,
      ip: input.ip,
      deliver: true,
      noticeInstead: async () => ((await deps.services.accounts.phoneTaken(identity.phoneE164)) ? 'phone_registered' : undefined),
    });
  } catch (err) {
    if (err instanceof ValidationError) throw new FieldErrorsError({ [err.field ?? 'captcha']: err.code });
    throw err;
  }
  return {
    identity,
    facts: { phoneIndex: deps.blindIndex('phone', identity.phoneE164), maskedPhone: maskPhone(identity.phoneE164) },
    resendAfterSeconds: sent.resendAfterSeconds,
  };
}

export interface CompleteInput extends IdentityInput {
  code: string;
  password: string;
  confirmPassword: string;
  agreePrivacy: boolean;
  agreeDocument: boolean;
  channel: 'web' | 'app';
  ip: string;
  requestId?: string;
}

/**
 * Checks the fields, proves the SMS code, and only then looks at conflicts (family binding, a
 * taken document or phone: FieldErrorsError 409 with its appeal type); creates the account and
 * returns its id and level.
 */
export async function completeRegistration(
  deps: RegistrationDeps,
  flow: Flow<(typeof registrationFlow.transitions extends Record<infer S, unknown> ? S : never), RegistrationFacts>,
  input: CompleteInput,
): Promise<{ accountId: string; level: IdentityLevel; registry: 'match' | 'mismatch' | 'unavailable' }> {
  const identity = checkIdentity(input, deps.clock.now());
  const errors: FieldErrors = {};
  if (deps.blindIndex('phone', identity.phoneE164) !== flow.facts.phoneIndex) errors.phone = 'register.send_first';
  const policy = checkPassword(input.password, { phone: identity.phoneE164.replace(/^\+86/, ''), documentNumber: identity.documentNumber });
  if (!policy.ok) errors.password = policy.codes[0];
  else if (input.password !== input.confirmPassword) errors.confirmPassword = 'register.password_mismatch';
  if (!input.agreePrivacy || !input.agreeDocument) errors.consent = 'register.consent_required';
  if (!isSmsCodeShaped(input.code)) errors.code = 'form.invalid_code_format';
  if (Object.keys(errors).length > 0) throw new FieldErrorsError(errors);

  const proven = await verifySmsCode(deps.services.smsCodes, { purpose: 'register', phoneE164: identity.phoneE164, code: input.code });
  if (!proven.ok) throw new FieldErrorsError({ [proven.field]: proven.message });
  // The phone is proven: from here a conflict is told, with the 用户申诉 type that resolves it.
  if (await deps.services.family.isBound(identity.documentNumber)) throw new FieldErrorsError({ documentNumber: 'account.family.taken_for_registration' }, 'family', true);
  try {
    return await deps.services.accounts.register({
      ...identity,
      password: input.password,
      channel: input.channel,
      ip: input.ip,
      ...(input.requestId ? { requestId: input.requestId } : {}),
    });
  } catch (err) {
    if (err instanceof ConflictError) {
      // Bound as someone's family number between the check above and the registration.
      if (err.code === 'registration.document_family_bound') throw new FieldErrorsError({ documentNumber: 'account.family.taken_for_registration' }, 'family', true);
      const field = err.code === 'registration.document_taken' ? 'documentNumber' : 'phone';
      throw new FieldErrorsError({ [field]: field === 'phone' ? 'register.phone_taken' : 'register.document_taken' }, field === 'phone' ? 'phone' : 'document', true);
    }
    if (err instanceof ValidationError) throw new FieldErrorsError({ [err.field ?? 'documentNumber']: err.code }, undefined, true);
    throw err;
  }
}

/** Who asks: the browser its flow is bound to ('app-api' for the app), the client address and the request id. */
export interface RegistrationRequest {
  browserId: string;
  ip: string;
  requestId: string;
}

/** Refused fields (400), or a conflict told once the phone was proven (409, with the appeal that resolves it). */
export interface RegistrationRefusal {
  kind: 'fieldErrors';
  fields: FieldErrors;
  appeal?: AppealKind;
  status: number;
  /** The SMS code was verified (and so spent): the form must not offer it again. */
  codeSpent: boolean;
}

export type BeginOutcome = { kind: 'codeSent'; flowId: string; maskedPhone: string; resendAfterSeconds: number } | RegistrationRefusal;

export type FinishOutcome =
  | { kind: 'registered'; flowId: string; accountId: string; level: IdentityLevel; registry: 'match' | 'mismatch' | 'unavailable' }
  /** The flow stays at code_sent: the form shows its masked phone and the code step again. */
  | (RegistrationRefusal & { flow: { id: string; maskedPhone: string } });

function refusalOf(err: FieldErrorsError): RegistrationRefusal {
  return { kind: 'fieldErrors', fields: err.fields, ...(err.appeal ? { appeal: err.appeal } : {}), status: err.status, codeSpent: err.codeSpent };
}

/**
 * 获取验证码: checks the fields and sends the code (sendRegistrationCode), then starts the flow bound
 * to the requester (returning to `interactionUid`'s relying party when given). Throws RateLimitedError.
 */
export async function beginRegistration(
  deps: RegistrationDeps,
  input: IdentityInput & { captchaId: string; captchaAnswer: string; pow: string },
  request: RegistrationRequest & { interactionUid?: string | undefined },
): Promise<BeginOutcome> {
  let sent;
  try {
    sent = await sendRegistrationCode(deps, { ...input, ip: request.ip });
  } catch (err) {
    if (err instanceof FieldErrorsError) return refusalOf(err);
    throw err;
  }
  const flow = await deps.services.flows.start(registrationFlow, request.browserId, { facts: sent.facts, interactionUid: request.interactionUid ?? null });
  return { kind: 'codeSent', flowId: flow.id, maskedPhone: sent.facts.maskedPhone, resendAfterSeconds: sent.resendAfterSeconds };
}

/**
 * 注册: the requester's flow (at code_sent) goes to completed once completeRegistration created the
 * account. Throws FlowError (an unknown, foreign, expired or used flow).
 */
export async function finishRegistration(
  deps: RegistrationDeps,
  request: RegistrationRequest & { flowId: string },
  input: Omit<CompleteInput, 'ip' | 'requestId'>,
): Promise<FinishOutcome> {
  const flow = await deps.services.flows.load<RegistrationState, RegistrationFacts>(registrationFlow, request.flowId, request.browserId, ['code_sent']);
  let result;
  try {
    result = await completeRegistration(deps, flow, { ...input, ip: request.ip, requestId: request.requestId });
  } catch (err) {
    if (err instanceof FieldErrorsError) return { ...refusalOf(err), flow: { id: flow.id, maskedPhone: flow.facts.maskedPhone } };
    throw err;
  }
  await deps.services.flows.advance(registrationFlow, flow, 'completed', { accountId: result.accountId }, { accountId: result.accountId });
  return { kind: 'registered', flowId: flow.id, ...result };
}

/**
 * 进入个人用户中心 after /register: the SMS code just proved the phone and the password was set, so
 * the completed flow (this browser's, within its lifetime, not one for a relying party) signs the
 * account in once (audited); an old or replayed flow is 'stale'.
 */
export async function enterCentre(
  deps: RegistrationDeps,
  request: RegistrationRequest & { flowId: string },
): Promise<{ kind: 'signedIn'; accountId: string } | { kind: 'stale' }> {
  try {
    const flow = await deps.services.flows.load<RegistrationState, RegistrationFacts>(registrationFlow, request.flowId, request.browserId, ['completed']);
    const accountId = flow.accountId ?? flow.facts.accountId;
    if (!accountId || flow.interactionUid) return { kind: 'stale' };
    await deps.services.flows.advance(registrationFlow, flow, 'signed_in', {}, { accountId });
    const details = { amr: ['pwd', 'sms'], via: 'registration' };
    await deps.services.audit.record({ event: 'signin.success', outcome: 'success', subject: accountId, ip: request.ip, requestId: request.requestId, details });
    return { kind: 'signedIn', accountId };
  } catch (err) {
    if (!(err instanceof FlowError)) throw err;
    return { kind: 'stale' };
  }
}

export { RateLimitedError };
