// The bind-a-phone requirement after a first upstream sign-in, before the interaction finishes:
//   GET  /interaction/:uid/bind-phone?flow=…   手机号码 + 图形验证码 → 获取验证码; the number the upstream
//        has on record (江苏政务), if any, is offered masked (使用江苏政务登记的手机号 138****1234) and kept
//        sealed in the flow: choosing it (phone_choice=upstream) sends its code like a typed number
//   POST /interaction/:uid/bind-phone/send      (captcha first; a number used elsewhere gets a notice, not a code)
//   POST /interaction/:uid/bind-phone/verify    短信验证码 → phone bound → sign-in finishes (a conflict → 用户申诉 link)

import Router from '@koa/router';
import type { Context } from 'koa';
import { loadBindPhone, sendBindPhoneCode, verifyBindPhone } from '../../flows/login/bind-phone-steps.js';
import { field } from '../../http/body.js';
import { browserIdOf } from '../../http/csrf.js';
import { requestState } from '../../http/state.js';
import { showBindPhone, showBindPhoneRefusal, showBindPhoneSent } from '../../pages/bind-phone.js';
import { formGuardFor, type RouteDeps } from '../../pages/deps.js';
import { loadInteraction } from '../../pages/interaction/details.js';
import { finishLogin } from '../../pages/interaction/finish.js';

export function bindPhoneRoutes(deps: RouteDeps): Router {
  const router = new Router({ prefix: '/interaction/:uid/bind-phone' });
  const { services } = deps;
  const guard = formGuardFor(deps);
  const steps = { services, cipher: deps.secrets.cipher };
  /** The interaction the path names and its bind-phone flow `id` in one of `states`. */
  const loaded = async (ctx: Context, id: string, states: ReadonlyArray<'required' | 'code_sent'>) => {
    const { uid } = ctx.params as { uid: string };
    const details = await loadInteraction(ctx, deps.oidc.provider, uid);
    return { details, flow: await loadBindPhone(services, { uid, browserId: browserIdOf(ctx) }, id, states) };
  };

  router.get('/', async (ctx) => {
    const { flow } = await loaded(ctx, typeof ctx.query.flow === 'string' ? ctx.query.flow : '', ['required', 'code_sent']);
    await showBindPhone(ctx, deps, flow, { step: 'send' });
  });

  router.post('/send', async (ctx) => {
    const form = await guard(ctx);
    const { flow } = await loaded(ctx, field(form, 'flow', 64), ['required', 'code_sent']);
    const input = { choice: field(form, 'phone_choice', 16), phone: field(form, 'phone', 32), pow: field(form, 'pow', 4096) };
    const captcha = { captchaId: field(form, 'captchaId', 64), captchaAnswer: field(form, 'captcha', 16) };
    await showBindPhoneSent(ctx, deps, flow, await sendBindPhoneCode(steps, flow, { ...input, ...captcha, ip: requestState(ctx).ip }));
  });

  router.post('/verify', async (ctx) => {
    const form = await guard(ctx);
    const { details, flow } = await loaded(ctx, field(form, 'flow', 64), ['code_sent']);
    const verified = await verifyBindPhone(steps, flow, { code: field(form, 'code', 12), ip: requestState(ctx).ip, requestId: requestState(ctx).requestId });
    if (verified.kind === 'refused') return showBindPhoneRefusal(ctx, deps, flow, verified);
    await finishLogin(ctx, { provider: deps.oidc.provider, accounts: services.accounts, audit: services.audit }, details, verified.accountId, verified.amr);
  });

  return router;
}
