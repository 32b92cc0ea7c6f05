// The browser side of 扫码登录 under /interaction/:uid/qr (the interaction cookie rides along):
//   GET  status.json?ticket=…  → { state, message, submit, renew, expires_in } (polled by qr-login.js)
//   GET  ticket.json            → a fresh ticket { ticket, image, link, app_link, expires_in } when one expired
//                                  (counted in the per-IP limit of state-changing requests: 429 past it)
//   (POST complete { ticket }, the confirmed ticket taken once, is the interaction router's, as for every method)

import Router from '@koa/router';
import type { Context } from 'koa';
import { t } from '../../i18n/index.js';
import type { RouteDeps } from '../../pages/deps.js';
import { attemptOf, loadInteraction } from '../../pages/interaction/details.js';
import { authenticatorsOf, qrDataUrl } from '../../pages/interaction/login-page.js';
import { appLinkFor } from '../../pages/interaction/app-link.js';
import { limitPostsPerIp } from '../../http/form-guard.js';
import { requestState } from '../../http/state.js';

export function interactionQrRoutes(deps: RouteDeps): Router {
  const router = new Router({ prefix: '/interaction/:uid/qr' });
  const { services } = deps;
  const locale = (ctx: Context) => (requestState(ctx)).locale;
  const seconds = (until: Date) => Math.max(0, Math.round((until.getTime() - deps.clock.now().getTime()) / 1000));

  router.get('/status.json', async (ctx) => {
    const { uid } = ctx.params as { uid: string };
    await loadInteraction(ctx, deps.oidc.provider, uid);
    const ticket = typeof ctx.query.ticket === 'string' ? ctx.query.ticket : '';
    const status = await services.qrLogin.status(ticket, uid);
    const state = !status ? 'expired' : status.consumed ? 'expired' : status.state;
    ctx.set('Cache-Control', 'no-store');
    ctx.body = {
      state,
      message: t(locale(ctx), `login.qr.${state}`),
      submit: state === 'confirmed',
      renew: state === 'expired',
      expires_in: status ? seconds(status.expiresAt) : 0,
    };
  });

  router.get('/ticket.json', async (ctx) => {
    const { uid } = ctx.params as { uid: string };
    // Issuing a ticket writes a row: it counts in the per-IP budget of state-changing requests.
    await limitPostsPerIp(ctx, services.rateLimiter, deps.config.rateLimits.postsPerIpPerMinute);
    const details = await loadInteraction(ctx, deps.oidc.provider, uid);
    const qr = authenticatorsOf(deps).qr;
    if (!qr) {
      ctx.status = 404;
      ctx.body = { error: 'not_found' };
      return;
    }
    const outcome = await qr.begin(attemptOf(ctx, details));
    if (outcome.kind !== 'pending' || !outcome.ticket) throw new Error('QR ticket not issued');
    ctx.set('Cache-Control', 'no-store');
    ctx.body = {
      ticket: outcome.ticket.ticketId,
      image: await qrDataUrl(outcome.ticket.url),
      link: outcome.ticket.url,
      app_link: appLinkFor(deps.config.appClient.linkBase, deps.config.issuer, outcome.ticket.url) ?? null,
      state: 'pending',
      message: t(locale(ctx), 'login.qr.pending'),
      expires_in: seconds(outcome.ticket.expiresAt),
    };
  });

  return router;
}
