// The 注销账号 page: what goes and what the law keeps, the confirmation box and the shared
// re-authentication block; and, once the account is gone, this browser's cookies ended.

import type { Context } from 'koa';
import { maskPhone } from '../../domain/masking.js';
import { accountCentreClientId } from '../../oidc/clients-file.js';
import type { RouteDeps } from '../deps.js';
import { reauthBlock, requestedMethod, type ReauthMethod } from '../reauth-block.js';
import { centreOf, renderCentre } from './context.js';
import { accountCookie } from './session.js';

/** The provider's session cookie (src/oidc/provider.ts `cookies.names.session`). */
const providerSessionCookie = '_jsrs_session';

/** What the page shows besides the holdings: a message, the block's state, whether the box was ticked. */
export interface DeleteExtra {
  error?: string;
  notice?: string;
  fieldErrors?: Record<string, string>;
  codeSent?: boolean;
  method?: ReauthMethod;
  confirmed?: boolean;
  status?: number;
}

/** 注销账号 for the signed-in account. */
export async function showDelete(ctx: Context, deps: RouteDeps, extra: DeleteExtra = {}): Promise<void> {
  const { services } = deps;
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
  }, extra.status);
}

/** The account is gone: this browser's centre and provider sessions end (both cookies cleared). */
export function endBrowserSessions(ctx: Context, deps: RouteDeps): void {
  const secure = deps.config.env === 'production';
  ctx.cookies.set(accountCookie, '', { httpOnly: true, sameSite: 'lax', secure, path: '/account', maxAge: 0, overwrite: true });
  ctx.cookies.set(providerSessionCookie, null, { httpOnly: true, sameSite: 'lax', secure, signed: true, overwrite: true });
}
