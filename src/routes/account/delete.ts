// 注销账号 (/account/delete): what goes and what the law keeps, a confirmation box and the shared
// re-authentication block; on success the account is deleted, the relying parties of its sessions
// get back-channel logout tokens, this browser's cookies end and a page says it is done.

import type Router from '@koa/router';
import type { Context } from 'koa';
import { maskPhone } from '../../domain/masking.js';
import { ValidationError } from '../../errors/app-error.js';
import { smsCodeNeedsResend } from '../../flows/steps/sms-code.js';
import { requestState } from '../../http/state.js';
import { render } from '../../http/views.js';
import { sendBackchannelLogouts } from '../../oidc/backchannel-logout.js';
import { accountCentreClientId } from '../../oidc/clients-file.js';
import type { RouteDeps } from '../../pages/deps.js';
import { reauthBlock, reauthProofFrom, requestedMethod, sendReauthCodeForPage, type ReauthMethod } from '../../pages/reauth-block.js';
import { accountGuard, centreOf, changeContext, formError, renderCentre } from '../../pages/account/context.js';
import { accountCookie } from '../../pages/account/session.js';

/** The provider's session cookie (src/oidc/provider.ts `cookies.names.session`). */
const providerSessionCookie = '_jsrs_session';

export function deleteRoutes(router: Router, deps: RouteDeps): void {
  const { services } = deps;
  const guard = accountGuard(deps);
  const secure = deps.config.env === 'production';

  const page = async (
    ctx: Context,
    extra: { error?: string; notice?: string; fieldErrors?: Record<string, string>; codeSent?: boolean; method?: ReauthMethod; confirmed?: boolean } = {},
    status?: number,
  ) => {
    const { account } = centreOf(ctx);
    const holdings = await services.accountDeletion.holdings(account.id);
    // 已授权应用 as that page counts them: relying parties holding a grant, the centre itself aside.
    const apps = new Set((await services.accountCentre.grants(account.id)).map((g) => g.payload.clientId).filter((c) => typeof c === 'string' && c !== accountCentreClientId)).size;
    const reauth = await reauthBlock(deps, account.id, { method: extra.method ?? requestedMethod(ctx), codeSent: extra.codeSent === true, sendAction: '/account/delete/send', pageUrl: '/account/delete' });
    renderCentre(ctx, deps, 'account/delete.njk', 'password', {
      phoneMasked: account.phoneE164 ? maskPhone(account.phoneE164) : undefined,
      holdings,
      apps,
      retentionDays: deps.config.audit.retentionDays,
      reauth,
      ready: reauth.method === 'pwd' || reauth.codeSent,
      confirmed: extra.confirmed === true,
      error: extra.error,
      notice: extra.notice,
      fieldErrors: extra.fieldErrors ?? {},
    }, status);
  };

  router.get('/delete', (ctx) => page(ctx));

  /** The SMS way of the block: a code to the bound phone after the send form's captcha (SMS limits apply). */
  router.post('/delete/send', async (ctx) => {
    const form = await guard(ctx);
    const sent = await sendReauthCodeForPage(deps, ctx, centreOf(ctx).account.id, form, 'reauth');
    return page(ctx, sent.state, sent.status);
  });

  router.post('/delete', async (ctx) => {
    const form = await guard(ctx);
    const { account } = centreOf(ctx);
    const reauth = reauthProofFrom(form, 'reauth');
    const confirmed = form.confirm === 'yes';
    let result;
    try {
      result = await services.accountDeletion.deleteAccount(account.id, { confirmed, reauth }, changeContext(ctx));
    } catch (err) {
      const shown = formError(ctx, err);
      if (!shown) throw err;
      // A wrong code may be tried again; an expired or exhausted one needs a new code.
      const codeSent = reauth.method === 'sms' && !(err instanceof ValidationError && smsCodeNeedsResend(err.code));
      const common = { method: reauth.method, codeSent, confirmed };
      return page(ctx, shown.field ? { ...common, fieldErrors: { [shown.field]: shown.message } } : { ...common, error: shown.message }, shown.status);
    }
    // The account is gone: its relying parties are told, then this browser's sessions end.
    await sendBackchannelLogouts(deps.oidc.provider, result.logoutTargets, requestState(ctx).log);
    ctx.cookies.set(accountCookie, '', { httpOnly: true, sameSite: 'lax', secure, path: '/account', maxAge: 0, overwrite: true });
    ctx.cookies.set(providerSessionCookie, null, { httpOnly: true, sameSite: 'lax', secure, signed: true, overwrite: true });
    render(ctx, deps.views, 'account/deleted.njk', {});
  });
}
