// The 江苏智慧人社 app's registration API (JSON): the same steps and rules as the web pages.
//   POST /api/register/captcha   → { captcha_id, image, pow_challenge }
//   POST /api/register/sms-code  { cert_type, document_number, name, phone, captcha_id, captcha_answer, pow_solution } → { flow_id, resend_after_seconds }
//   (pow_challenge is an ALTCHA v2 challenge; pow_solution the base64 JSON { challenge, solution } — README)
//   POST /api/register           { flow_id, cert_type, document_number, name, phone, sms_code, password, agree_privacy, agree_document } → 201 { sub, identity_level, registry }
// Errors: { error, message, fields?: { field: message }, appeal? } with 400/409/429. sms-code answers
// alike for taken and free numbers; a 409 conflict (with its appeal) comes only from the final step,
// after the SMS code proved the phone.

import Router from '@koa/router';
import type { Context } from 'koa';
import { RateLimitedError } from '../../errors/app-error.js';
import { field, readJsonObject } from '../../http/body.js';
import { limitPostsPerIp } from '../../http/form-guard.js';
import { t } from '../../i18n/index.js';
import { FlowError } from '../../flows/engine/store.js';
import { registrationFlow, type RegistrationFacts, type RegistrationState } from '../../flows/registration/states.js';
import { completeRegistration, FieldErrorsError, sendRegistrationCode } from '../../flows/registration/steps.js';
import type { RouteDeps } from '../../pages/deps.js';
import { requestState } from '../../http/state.js';

/** App flows are not bound to a browser cookie: the unguessable flow id is the app's handle. */
const appBrowserId = 'app-api';

const camel: Record<string, string> = { certType: 'cert_type', documentNumber: 'document_number', smsCode: 'sms_code', code: 'sms_code', confirmPassword: 'password', captcha: 'captcha_answer' };

export function appRegistrationRoutes(deps: RouteDeps): Router {
  const router = new Router({ prefix: '/api/register' });
  const { services, config } = deps;
  const stepDeps = { services, blindIndex: deps.secrets.blindIndex, clock: deps.clock };
  const locale = (ctx: Context) => (requestState(ctx)).locale;

  const fail = (ctx: Context, err: unknown): void => {
    ctx.set('Cache-Control', 'no-store');
    if (err instanceof FieldErrorsError) {
      ctx.status = err.status;
      // A refused proof of work is reported on its own field, whatever page field it belongs to.
      const name = (k: string, code: string | undefined) => (code?.startsWith('pow.') ? 'pow_solution' : (camel[k] ?? k));
      const fields = Object.fromEntries(Object.entries(err.fields).map(([k, code]) => [name(k, code), t(locale(ctx), code ?? 'errors.bad_request')]));
      ctx.body = { error: err.appeal ? 'conflict' : 'invalid_input', message: Object.values(fields)[0], fields, ...(err.appeal ? { appeal: err.appeal } : {}) };
      return;
    }
    if (err instanceof RateLimitedError || err instanceof FlowError) throw err;
    throw err;
  };

  router.use(async (ctx, next) => {
    if (ctx.method === 'POST') await limitPostsPerIp(ctx, services.rateLimiter, config.rateLimits.postsPerIpPerMinute);
    await next();
  });

  router.post('/captcha', async (ctx) => {
    const captcha = await services.captcha.issue();
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { captcha_id: captcha.id, image: captcha.image, pow_challenge: captcha.pow };
  });

  router.post('/sms-code', async (ctx) => {
    const body = await readJsonObject(ctx);
    const state = requestState(ctx);
    try {
      const sent = await sendRegistrationCode(stepDeps, {
        certType: field(body, 'cert_type', 4),
        documentNumber: field(body, 'document_number', 64),
        name: field(body, 'name', 64),
        phone: field(body, 'phone', 32),
        captchaId: field(body, 'captcha_id', 64),
        captchaAnswer: field(body, 'captcha_answer', 16),
        pow: field(body, 'pow_solution', 4096),
        ip: state.ip,
      });
      const flow = await services.flows.start(registrationFlow, appBrowserId, { facts: sent.facts });
      ctx.set('Cache-Control', 'no-store');
      ctx.body = { flow_id: flow.id, resend_after_seconds: sent.resendAfterSeconds, masked_phone: sent.facts.maskedPhone };
    } catch (err) {
      fail(ctx, err);
    }
  });

  router.post('/', async (ctx) => {
    const body = await readJsonObject(ctx);
    const state = requestState(ctx);
    const flow = await services.flows.load<RegistrationState, RegistrationFacts>(registrationFlow, field(body, 'flow_id', 64), appBrowserId, ['code_sent']);
    try {
      const password = typeof body.password === 'string' ? body.password.slice(0, 128) : '';
      const result = await completeRegistration(stepDeps, flow, {
        certType: field(body, 'cert_type', 4),
        documentNumber: field(body, 'document_number', 64),
        name: field(body, 'name', 64),
        phone: field(body, 'phone', 32),
        code: field(body, 'sms_code', 12),
        password,
        confirmPassword: password,
        agreePrivacy: body.agree_privacy === true,
        agreeDocument: body.agree_document === true,
        channel: 'app',
        ip: state.ip,
        requestId: state.requestId,
      });
      await services.flows.advance(registrationFlow, flow, 'completed', { accountId: result.accountId }, { accountId: result.accountId });
      ctx.status = 201;
      ctx.set('Cache-Control', 'no-store');
      ctx.body = { sub: result.accountId, identity_level: result.level, registry: result.registry };
    } catch (err) {
      fail(ctx, err);
    }
  });

  return router;
}
