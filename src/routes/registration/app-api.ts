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
import { field, passwordField, readJsonObject } from '../../http/body.js';
import { limitPostsPerIp } from '../../http/form-guard.js';
import { requestState } from '../../http/state.js';
import { beginRegistration, finishRegistration } from '../../flows/registration/steps.js';
import type { RouteDeps } from '../../pages/deps.js';
import { answerRefusal } from '../../pages/registration/app-answers.js';

/** App flows are not bound to a browser cookie: the unguessable flow id is the app's handle. */
const appBrowserId = 'app-api';

export function appRegistrationRoutes(deps: RouteDeps): Router {
  const router = new Router({ prefix: '/api/register' });
  const { services, config } = deps;
  const steps = { services, blindIndex: deps.secrets.blindIndex, clock: deps.clock };
  const requester = (ctx: Context) => ({ browserId: appBrowserId, ip: requestState(ctx).ip, requestId: requestState(ctx).requestId });
  /** The identity fields both posts carry. */
  const identity = (body: Record<string, unknown>) => ({
    certType: field(body, 'cert_type', 4),
    documentNumber: field(body, 'document_number', 64),
    name: field(body, 'name', 64),
    phone: field(body, 'phone', 32),
  });

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
    const answers = { captchaId: field(body, 'captcha_id', 64), captchaAnswer: field(body, 'captcha_answer', 16), pow: field(body, 'pow_solution', 4096) };
    const outcome = await beginRegistration(steps, { ...identity(body), ...answers }, requester(ctx));
    ctx.set('Cache-Control', 'no-store');
    if (outcome.kind === 'fieldErrors') return answerRefusal(ctx, outcome);
    ctx.body = { flow_id: outcome.flowId, resend_after_seconds: outcome.resendAfterSeconds, masked_phone: outcome.maskedPhone };
  });

  router.post('/', async (ctx) => {
    const body = await readJsonObject(ctx);
    const password = passwordField(body, 'password');
    const outcome = await finishRegistration(steps, { ...requester(ctx), flowId: field(body, 'flow_id', 64) }, {
      ...identity(body),
      code: field(body, 'sms_code', 12),
      password,
      confirmPassword: password,
      agreePrivacy: body.agree_privacy === true,
      agreeDocument: body.agree_document === true,
      channel: 'app',
    });
    ctx.set('Cache-Control', 'no-store');
    if (outcome.kind === 'fieldErrors') return answerRefusal(ctx, outcome);
    ctx.status = 201;
    ctx.body = { sub: outcome.accountId, identity_level: outcome.level, registry: outcome.registry };
  });

  return router;
}
