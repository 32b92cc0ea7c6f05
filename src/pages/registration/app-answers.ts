// How the app's registration API answers a refused step: each refused field under the app's own
// (snake_case) name with its translated message, and the appeal that resolves a conflict.

import type { Context } from 'koa';
import type { RegistrationRefusal } from '../../flows/registration/steps.js';
import { requestState } from '../../http/state.js';
import { t } from '../../i18n/index.js';

/** The app's name of a form field, where it differs. */
const appFieldNames: Record<string, string> = {
  certType: 'cert_type',
  documentNumber: 'document_number',
  smsCode: 'sms_code',
  code: 'sms_code',
  confirmPassword: 'password',
  captcha: 'captcha_answer',
};

/** Answers `refusal` as JSON: 400 invalid_input, or 409 conflict with its appeal. */
export function answerRefusal(ctx: Context, refusal: RegistrationRefusal): void {
  const locale = requestState(ctx).locale;
  // A refused proof of work is reported on its own field, whatever page field it belongs to.
  const name = (k: string, code: string | undefined) => (code?.startsWith('pow.') ? 'pow_solution' : (appFieldNames[k] ?? k));
  const fields = Object.fromEntries(Object.entries(refusal.fields).map(([k, code]) => [name(k, code), t(locale, code ?? 'errors.bad_request')]));
  ctx.status = refusal.status;
  ctx.body = { error: refusal.appeal ? 'conflict' : 'invalid_input', message: Object.values(fields)[0], fields, ...(refusal.appeal ? { appeal: refusal.appeal } : {}) };
}
