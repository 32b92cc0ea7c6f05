// 个人主页, 我的信息 (masked; the full document number after re-entering the password or an SMS code
// sent to the account's phone, each reveal audited with its method) and 修改密码. The steps live in
// flows/account-centre/profile.ts, the pages in pages/account/profile-view.ts.

import type Router from '@koa/router';
import type { Context } from 'koa';
import { changePassword, revealDocument, sendRevealCode, type ProfileHolder } from '../../flows/account-centre/profile.js';
import { field, passwordField } from '../../http/body.js';
import { requestState } from '../../http/state.js';
import type { RouteDeps } from '../../pages/deps.js';
import { accountGuard, centreOf, changeContext, msg, refusalView } from '../../pages/account/context.js';
import { showHome, showInfo, showPassword } from '../../pages/account/profile-view.js';

/** The signed-in account as the profile steps need it. */
function holderOf(ctx: Context): ProfileHolder {
  const { account } = centreOf(ctx);
  return { accountId: account.id, phoneE164: account.phoneE164, documentNumber: account.documentNumber };
}

export function profileRoutes(router: Router, deps: RouteDeps): void {
  const { services } = deps;
  const guard = accountGuard(deps);

  router.get('/', (ctx) => showHome(ctx, deps));
  router.get('/info', (ctx) => showInfo(ctx, deps));

  /** 获取验证码 for the reveal: graphical captcha first, then the SMS service's per-number and per-IP limits. */
  router.post('/info/reveal/send', async (ctx) => {
    const form = await guard(ctx);
    const input = {
      captchaId: field(form, 'captchaId', 64),
      captchaAnswer: field(form, 'captcha', 16),
      pow: field(form, 'pow', 4096),
      ip: requestState(ctx).ip,
    };
    const sent = await sendRevealCode(services, holderOf(ctx), input);
    if (sent.kind === 'refused') return showInfo(ctx, deps, refusalView(ctx, sent));
    await showInfo(ctx, deps, { codeSent: true, notice: msg(ctx, 'account.phone.code_sent', { phone: sent.maskedPhone }) });
  });

  /** The full number after the password (method pwd) or the SMS code just sent (method sms); both audited. */
  router.post('/info/reveal', async (ctx) => {
    const form = await guard(ctx);
    const proof = form.method === 'sms'
      ? ({ method: 'sms', purpose: 'reveal', code: field(form, 'code', 12) } as const)
      : ({ method: 'pwd', password: passwordField(form, 'password') } as const);
    const outcome = await revealDocument(services, holderOf(ctx), proof, changeContext(ctx));
    if (outcome.kind === 'refused') return showInfo(ctx, deps, { ...refusalView(ctx, outcome), ...(outcome.codeSent ? { codeSent: true } : {}) });
    await showInfo(ctx, deps, outcome.documentNumber ? { revealed: outcome.documentNumber } : {});
  });

  router.get('/password', (ctx) => showPassword(ctx, deps));
  router.post('/password', async (ctx) => {
    const form = await guard(ctx);
    const input = { current: passwordField(form, 'current'), next: passwordField(form, 'password'), confirm: passwordField(form, 'confirmPassword') };
    const outcome = await changePassword(services, centreOf(ctx).account.id, input, changeContext(ctx));
    showPassword(ctx, deps, outcome.kind === 'done' ? { notice: msg(ctx, 'account.password.changed') } : refusalView(ctx, outcome));
  });
}
