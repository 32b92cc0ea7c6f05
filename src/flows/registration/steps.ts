// The registration steps shared by the web pages and the app API: check the identity fields,
// send the SMS code (captcha, limits, conflicts), and create the account once the code is proven.
// Every rule failure is a FieldErrors map of i18n codes; routes render it as a page or JSON.

import { validateDocument, isCertType, type CertType } from '../../domain/documents.js';
import { maskPhone } from '../../domain/masking.js';
import { checkPassword } from '../../domain/password-policy.js';
import { parseMobile } from '../../domain/phone.js';
import type { IdentityLevel } from '../../domain/levels.js';
import { AppError, RateLimitedError, ValidationError } from '../../errors/app-error.js';
import { ConflictError } from '../../services/accounts.js';
import type { Services } from '../../services/index.js';
import type { BlindIndex } from '../../services/crypto/index.js';
import type { Clock } from '../../domain/clock.js';
import type { Flow } from '../engine/store.js';
import { registrationFlow, type RegistrationFacts } from './states.js';

export type FieldErrors = Partial<Record<string, string>>;

/** Raised with every field that failed, so a form can show them all at once. */
export class FieldErrorsError extends AppError {
  readonly fields: FieldErrors;
  /** Set when the failure is a conflict that 用户申诉 can resolve. */
  readonly appeal: 'document' | 'phone' | 'family' | undefined;
  constructor(fields: FieldErrors, appeal?: 'document' | 'phone' | 'family') {
    super(Object.values(fields)[0] ?? 'errors.bad_request', appeal ? 409 : 400);
    this.name = 'FieldErrorsError';
    this.fields = fields;
    this.appeal = appeal;
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

const namePattern = /^[\p{Script=Han}·•A-Za-z .'-]{2,30}$/u;

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
  const name = input.name.trim().replace(/\s+/g, ' ');
  if (!namePattern.test(name)) errors.name = 'register.name_invalid';
  const phone = parseMobile(input.phone);
  if (!phone.ok) errors.phone = phone.code;
  if (Object.keys(errors).length > 0 || !phone.ok) throw new FieldErrorsError(errors);
  return { certType: input.certType as CertType, documentNumber, name, phoneE164: phone.e164 };
}

export interface RegistrationDeps {
  services: Services;
  blindIndex: BlindIndex;
  clock: Clock;
}

/**
 * Sends the registration code to the phone (captcha first, then limits). A document or phone
 * that is already taken is reported only after the captcha passed (so it cannot be enumerated
 * freely); then no message is sent and no send limit is used up.
 */
export async function sendRegistrationCode(
  deps: RegistrationDeps,
  input: IdentityInput & { captchaId: string; captchaAnswer: string; ip: string },
): Promise<{ identity: CheckedIdentity; facts: RegistrationFacts; resendAfterSeconds: number }> {
  const identity = checkIdentity(input, deps.clock.now());
  const { accounts, smsCodes } = deps.services;
  const [documentTaken, phoneTaken] = await Promise.all([accounts.documentTaken(identity.documentNumber), accounts.phoneTaken(identity.phoneE164)]);
  // A number bound as someone's family number (亲情号) is taken too; its holder appeals with type=family.
  const familyBound = !documentTaken && (await deps.services.family.isBound(identity.documentNumber));
  if (documentTaken || phoneTaken || familyBound) {
    // Conflicts are only told to someone who solved the captcha; nothing is sent or counted.
    if (!(await deps.services.captcha.verify(input.captchaId, input.captchaAnswer))) throw new FieldErrorsError({ captcha: 'captcha.invalid' });
    if (documentTaken) throw new FieldErrorsError({ documentNumber: 'register.document_taken' }, 'document');
    if (familyBound) throw new FieldErrorsError({ documentNumber: 'account.family.taken_for_registration' }, 'family');
    throw new FieldErrorsError({ phone: 'register.phone_taken' }, 'phone');
  }
  let sent;
  try {
    sent = await smsCodes.send({
      purpose: 'register',
      phoneE164: identity.phoneE164,
      captchaId: input.captchaId,
      captchaAnswer: input.captchaAnswer,
      ip: input.ip,
      deliver: true,
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

/** Checks everything, proves the SMS code, creates the account; returns its id and level. */
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
  if (!/^\d{6}$/.test(input.code)) errors.code = 'form.invalid_code_format';
  if (Object.keys(errors).length > 0) throw new FieldErrorsError(errors);

  if (await deps.services.family.isBound(identity.documentNumber)) throw new FieldErrorsError({ documentNumber: 'account.family.taken_for_registration' }, 'family');
  const outcome = await deps.services.smsCodes.verify({ purpose: 'register', phoneE164: identity.phoneE164, code: input.code });
  if (outcome !== 'ok') {
    throw new FieldErrorsError({ code: outcome === 'exhausted' ? 'login.sms_exhausted' : outcome === 'expired' ? 'login.sms_expired' : 'login.sms_invalid' });
  }
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
      if (err.code === 'registration.document_family_bound') throw new FieldErrorsError({ documentNumber: 'account.family.taken_for_registration' }, 'family');
      const field = err.code === 'registration.document_taken' ? 'documentNumber' : 'phone';
      throw new FieldErrorsError({ [field]: field === 'phone' ? 'register.phone_taken' : 'register.document_taken' }, field === 'phone' ? 'phone' : 'document');
    }
    if (err instanceof ValidationError) throw new FieldErrorsError({ [err.field ?? 'documentNumber']: err.code });
    throw err;
  }
}

export { RateLimitedError };
