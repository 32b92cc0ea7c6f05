// The registration steps shared by the web pages and the app API: check the identity fields,
// send the SMS code (captcha, limits; the same answer for taken and free numbers), and, once the
// code is proven, report a conflict (with its appeal) or create the account.
// Every rule failure is a FieldErrors map of i18n codes; routes render it as a page or JSON.

import { checkName } from '../../domain/names.js';
import { validateDocument, isCertType, type CertType } from '../../domain/documents.js';
import { maskPhone } from '../../domain/masking.js';
import { checkPassword } from '../../domain/password-policy.js';
import { parseMobile } from '../../domain/phone.js';
import type { IdentityLevel } from '../../domain/levels.js';
import type { MessageKey } from '../../i18n/zh-CN.js';
import { AppError, RateLimitedError, ValidationError } from '../../errors/app-error.js';
import { ConflictError } from '../../services/accounts.js';
import type { Services } from '../../services/index.js';
import { isSmsCodeShaped, verifySmsCode } from '../steps/sms-code.js';
import type { BlindIndex } from '../../services/crypto/index.js';
import type { Clock } from '../../domain/clock.js';
import type { Flow } from '../engine/store.js';
import { registrationFlow, type RegistrationFacts } from './states.js';

export type FieldErrors = Partial<Record<string, MessageKey>>;

/** Raised with every field that failed, so a form can show them all at once. */
export class FieldErrorsError extends AppError {
  readonly fields: FieldErrors;
  /** Set when the failure is a conflict that 用户申诉 can resolve. */
  readonly appeal: 'document' | 'phone' | 'family' | undefined;
  /** Set once the SMS code was verified (and so spent): the form must not offer it again. */
  readonly codeSpent: boolean;
  constructor(fields: FieldErrors, appeal?: 'document' | 'phone' | 'family', codeSpent = false) {
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
  const errors: FieldErrors = {};
  let documentNumber = '';
  if (!isCertType(input.certType)) errors.certType = 'documents.unknown_type';
  else {
    const doc = validateDocument(input.certType, input.documentNumber, today);
    if (doc.ok) documentNumber = doc.number;
    else errors.documentNumber = doc.code;
  }
  const name = checkName(input.name);
  if (!name.ok) errors.name = name.code;
  const phone = parseMobile(input.phone);
  if (!phone.ok) errors.phone = phone.code;
  if (Object.keys(errors).length > 0 || !phone.ok || !name.ok) throw new FieldErrorsError(errors);
  return { certType: input.certType as CertType, documentNumber, name: name.name, phoneE164: phone.e164 };
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

export { RateLimitedError };
