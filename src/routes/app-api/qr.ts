// The 江苏智慧人社 app's QR sign-in API (JSON), authorised by an access token the app got from this
// provider as its native public client (Authorization: Bearer …):
//   POST /api/app/qr/scan    { ticket } → { state: 'scanned', client_name, expires_in }
//   POST /api/app/qr/confirm { ticket } → { state: 'confirmed' }   (only the user who scanned, once, before expiry)
//   POST /api/app/qr/cancel  { ticket } → { state: 'cancelled' }
// `ticket` is the scanned URL or its last segment. Errors: { error, message } with 401 invalid_token,
// 404 ticket_not_found, 410 ticket_expired, 409 ticket_used, 403 wrong_account.

import Router from '@koa/router';
import type { Context } from 'koa';
import { readJsonObject } from '../../http/body.js';
import { limitPostsPerIp } from '../../http/form-guard.js';
import { t } from '../../i18n/index.js';
import type { QrAppResult, QrFailure } from '../../services/qr-login.js';
import type { RouteDeps } from '../../pages/deps.js';
import { requestState } from '../../http/state.js';
import { ticketTokenOf } from '../../pages/qr-ticket.js';

const failures: Record<QrFailure, { status: number; error: string }> = {
  not_found: { status: 404, error: 'ticket_not_found' },
  expired: { status: 410, error: 'ticket_expired' },
  used: { status: 409, error: 'ticket_used' },
  wrong_account: { status: 403, error: 'wrong_account' },
};

export function appQrRoutes(deps: RouteDeps): Router {
  const router = new Router({ prefix: '/api/app/qr' });
  const { services, config } = deps;
  const locale = (ctx: Context) => (requestState(ctx)).locale;

  /** The account behind a live access token of the app client, or undefined. */
  async function appUser(ctx: Context): Promise<string | undefined> {
    const match = /^Bearer ([A-Za-z0-9._~+/-]{16,2048}=*)$/.exec(ctx.get('authorization'));
    if (!match) return undefined;
    const token = await deps.oidc.provider.AccessToken.find(match[1] as string).catch(() => undefined);
    if (!token || token.isExpired || !token.accountId || token.clientId !== config.appClient.clientId || token.isSenderConstrained()) return undefined;
    const account = await services.accounts.getAccount(token.accountId);
    return account?.status === 'active' ? account.id : undefined;
  }

  const answer = async (ctx: Context, result: QrAppResult) => {
    ctx.set('Cache-Control', 'no-store');
    if (!result.ok) {
      const failure = failures[result.reason];
      ctx.status = failure.status;
      ctx.body = { error: failure.error, message: t(locale(ctx), `app.qr.${result.reason}`) };
      return;
    }
    const client = result.clientId ? await deps.oidc.provider.Client.find(result.clientId) : undefined;
    ctx.body = {
      state: result.state,
      client_name: client?.clientName ?? result.clientId ?? '',
      expires_in: Math.max(0, Math.round((result.expiresAt.getTime() - deps.clock.now().getTime()) / 1000)),
    };
  };

  for (const action of ['scan', 'confirm', 'cancel'] as const) {
    router.post(`/${action}`, async (ctx) => {
      await limitPostsPerIp(ctx, services.rateLimiter, config.rateLimits.postsPerIpPerMinute);
      const accountId = await appUser(ctx);
      if (!accountId) {
        ctx.status = 401;
        ctx.set('WWW-Authenticate', 'Bearer error="invalid_token"');
        ctx.set('Cache-Control', 'no-store');
        ctx.body = { error: 'invalid_token', message: t(locale(ctx), 'app.qr.invalid_token') };
        return;
      }
      const body = await readJsonObject(ctx);
      const token = ticketTokenOf(body.ticket);
      await answer(ctx, await services.qrLogin[action](token, accountId));
    });
  }

  return router;
}
