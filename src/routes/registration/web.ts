// 注册 pages: /register (standalone) and /interaction/:uid/register (from a relying party, which the
// citizen returns to signed in). One form: identity fields → 获取验证码 → code, password, consents → 注册.

import Router from '@koa/router';
import type { Context } from 'koa';
import { field, passwordField } from '../../http/body.js';
import { browserIdOf } from '../../http/csrf.js';
import { seeOther } from '../../http/redirect.js';
import { requestState } from '../../http/state.js';
import { beginRegistration, enterCentre, finishRegistration } from '../../flows/registration/steps.js';
import { formGuardFor, type RouteDeps } from '../../pages/deps.js';
import { accountSession } from '../../pages/account/session.js';
import { loadInteraction } from '../../pages/interaction/details.js';
import { registerPage } from '../../pages/registration/register-page.js';

export function registrationRoutes(deps: RouteDeps): Router {
  const router = new Router();
  const guard = formGuardFor(deps);
  const steps = { services: deps.services, blindIndex: deps.secrets.blindIndex, clock: deps.clock };
  const page = registerPage(deps);
  const centre = accountSession(deps);
  const requester = (ctx: Context) => ({ browserId: browserIdOf(ctx), ip: requestState(ctx).ip, requestId: requestState(ctx).requestId });

  const get = async (ctx: Context, uid: string | undefined) => {
    if (uid) await loadInteraction(ctx, deps.oidc.provider, uid);
    await page.show(ctx, uid, { values: { certType: '01' } });
  };

  const post = async (ctx: Context, uid: string | undefined) => {
    const form = await guard(ctx);
    const details = uid ? await loadInteraction(ctx, deps.oidc.provider, uid) : undefined;
    const values = {
      certType: field(form, 'certType', 4),
      documentNumber: field(form, 'documentNumber', 64),
      name: field(form, 'name', 64),
      phone: field(form, 'phone', 32),
      agreePrivacy: form.agreePrivacy === 'yes' ? 'yes' : '',
      agreeDocument: form.agreeDocument === 'yes' ? 'yes' : '',
    };
    const code = field(form, 'code', 12);
    const consents = { agreePrivacy: values.agreePrivacy === 'yes', agreeDocument: values.agreeDocument === 'yes' };
    const secrets = { code, password: passwordField(form, 'password'), confirmPassword: passwordField(form, 'confirmPassword') };
    const answers = { captchaId: field(form, 'captchaId', 64), captchaAnswer: field(form, 'captcha', 16), pow: field(form, 'pow', 4096) };
    await page.present(ctx, { uid, details }, values, code, () =>
      form.action === 'register'
        ? finishRegistration(steps, { ...requester(ctx), flowId: field(form, 'flow', 64) }, { ...values, ...secrets, ...consents, channel: 'web' })
        : beginRegistration(steps, { ...values, ...answers }, { ...requester(ctx), interactionUid: uid }),
    );
  };

  // 进入个人用户中心 after /register (once); an old or replayed button: the ordinary sign-in.
  router.post('/register/continue', async (ctx) => {
    const form = await guard(ctx);
    const outcome = await enterCentre(steps, { ...requester(ctx), flowId: field(form, 'flow', 64) });
    if (outcome.kind === 'stale') return seeOther(ctx, '/account');
    await centre.openSession(ctx, outcome.accountId);
  });
  router.get('/register', (ctx) => get(ctx, undefined));
  router.post('/register', (ctx) => post(ctx, undefined));
  router.get('/interaction/:uid/register', (ctx) => get(ctx, (ctx.params as { uid: string }).uid));
  router.post('/interaction/:uid/register', (ctx) => post(ctx, (ctx.params as { uid: string }).uid));
  return router;
}
