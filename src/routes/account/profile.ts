// 个人主页, 我的信息 (masked; the full document number behind the shared re-authentication block: the
// password or an SMS code sent to the account's phone, each reveal audited with its method) and
// 修改密码. The steps live in flows/account-centre/profile.ts, the pages in pages/account/profile-view.ts.

import type Router from '@koa/router';
import type { Context } from 'koa';
import { changePassword, revealDocument, type ProfileHolder } from '../../flows/account-centre/profile.js';
import { passwordField } from '../../http/body.js';
import type { RouteDeps } from '../../pages/deps.js';
import { accountGuard, centreOf, changeContext, msg, reauthRefusalView, refusalView } from '../../pages/account/context.js';
import { reauthProofFrom, sendReauthCodeForPage } from '../../pages/reauth-block.js';
import { showHome, showInfo, showPassword } from '../../pages/account/profile-view.js';

/** The signed-in account as the profile steps need it. */
function holderOf(ctx: Context): ProfileHolder {
  const { account } = centreOf(ctx);
  return { accountId: account.id, documentNumber: account.documentNumber };
}

export function profileRoutes(router: Router, deps: RouteDeps): void {
  const { services } = deps;
  const guard = accountGuard(deps);

  router.get('/', (ctx) => showHome(ctx, deps));
  router.get('/info', (ctx) => showInfo(ctx, deps));

  /** The block's SMS way: a reveal code to the bound phone after the send form's captcha (SMS limits apply). */
  router.post('/info/reveal/send', async (ctx) => {
    const form = await guard(ctx);
    // No SMS for nothing: an account without a document (an uncertified 支付宝 user's) has no number to show.
    if (!centreOf(ctx).account.documentNumber) return showInfo(ctx, deps, { error: msg(ctx, 'account.info.nothing_to_reveal'), status: 400 });
    const sent = await sendReauthCodeForPage(deps, ctx, centreOf(ctx).account.id, form, 'reveal');
    await showInfo(ctx, deps, { ...sent.state, status: sent.status });
  });

  /** The full number after the block's password or reveal code; each attempt audited with its method. */
  router.post('/info/reveal', async (ctx) => {
    const form = await guard(ctx);
    const outcome = await revealDocument(services, holderOf(ctx), reauthProofFrom(form, 'reveal'), changeContext(ctx));
    if (outcome.kind === 'refused') return showInfo(ctx, deps, reauthRefusalView(ctx, outcome));
    await showInfo(ctx, deps, { revealed: outcome.documentNumber });
  });

  router.get('/password', (ctx) => showPassword(ctx, deps));
  router.post('/password', async (ctx) => {
    const form = await guard(ctx);
    const input = { current: passwordField(form, 'current'), next: passwordField(form, 'password'), confirm: passwordField(form, 'confirmPassword') };
    const outcome = await changePassword(services, centreOf(ctx).account.id, input, changeContext(ctx));
    showPassword(ctx, deps, outcome.kind === 'done' ? { notice: msg(ctx, 'account.password.changed') } : refusalView(ctx, outcome));
  });
}
