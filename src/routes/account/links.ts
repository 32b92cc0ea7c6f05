// 账号关联: the linked upstream accounts (电子社保卡, 江苏政务, 支付宝); 关联 runs the upstream's own round
// trip (江苏政务 and 支付宝 redirect out and come back through the fixed /federated/callback; 电子社保卡
// shows the platform's QR) bound to this account, centre session and browser, then links the
// identity it asserts (services/upstream-links.ts decides: never one linked elsewhere, an asserted
// document must be the account's own); 解除关联 never removes the last way to sign in.

import type Router from '@koa/router';
import type { Context } from 'koa';
import type { AuthOutcome, LinkContext } from '../../authenticators/types.js';
import { NotFoundError } from '../../errors/app-error.js';
import { field } from '../../http/body.js';
import { browserIdOf } from '../../http/csrf.js';
import { isUpstreamName, upstreamNames, type UpstreamName } from '../../domain/sign-in-methods.js';
import type { RouteDeps } from '../../pages/deps.js';
import { authenticatorsOf, qrDataUrl } from '../../pages/interaction/login-page.js';
import { accountGuard, centreOf, changeContext, formError, formatTime, msg, renderCentre } from '../../pages/account/context.js';
import { seeOther } from '../../http/redirect.js';

/** The user centre's words for what an upstream round trip answered (the sign-in pages' say "登录"). */
const linkFailureKeys: Record<string, string> = {
  'login.federated_state_invalid': 'account.links.state_invalid',
  'flow.invalid': 'account.links.state_invalid',
  'flow.expired': 'account.links.state_invalid',
  'login.federated_denied': 'account.links.denied',
  'login.essc_rejected': 'account.links.denied',
  'login.federated_failed': 'account.links.failed',
  'login.upstream_unavailable': 'account.links.unavailable',
  'login.essc_card_abnormal': 'account.links.card_abnormal',
  'login.qr_expired': 'login.qr_expired',
};

export function linkRoutes(router: Router, deps: RouteDeps): void {
  const { services, config } = deps;
  const guard = accountGuard(deps);
  const linkers = () => authenticatorsOf(deps);
  const linkerOf = (upstream: UpstreamName) => linkers()[upstream];
  const linkContext = (ctx: Context): LinkContext => {
    const { account, session } = centreOf(ctx);
    return { accountId: account.id, sessionId: session.idHash, browserId: browserIdOf(ctx) };
  };
  const upstreamLabel = (ctx: Context, upstream: string) => msg(ctx, `account.upstream.${upstream}`);
  const esscPage = (flowId: string) => `/account/links/essc?flow=${flowId}`;

  const showLinks = async (ctx: Context, extra: { error?: string; notice?: string; status?: number } = {}) => {
    const { account } = centreOf(ctx);
    const links = await services.accountCentre.links(account.id);
    renderCentre(ctx, deps, 'account/links.njk', 'links', {
      upstreams: upstreamNames.map((name) => {
        const link = links.find((l) => l.upstream === name);
        return { name, label: `account.upstream.${name}`, linked: Boolean(link), linkedAt: link ? formatTime(link.createdAt) : '', linkable: linkerOf(name) !== undefined };
      }),
      ...extra,
    }, extra.status);
  };

  router.get('/links', async (ctx) => {
    // After a link the callback comes here; the notice is shown only when the link really exists.
    const linked = ctx.query.linked;
    if (isUpstreamName(linked) && (await services.accountCentre.links(centreOf(ctx).account.id)).some((l) => l.upstream === linked)) {
      return showLinks(ctx, { notice: msg(ctx, 'account.links.linked_ok', { upstream: upstreamLabel(ctx, linked) }) });
    }
    return showLinks(ctx);
  });

  router.post('/links/unlink', async (ctx) => {
    const form = await guard(ctx);
    const upstream = field(form, 'upstream', 20);
    try {
      if (!isUpstreamName(upstream)) throw new NotFoundError();
      await services.accountCentre.unlink(centreOf(ctx).account.id, upstream, changeContext(ctx));
    } catch (err) {
      const shown = formError(ctx, err);
      if (!shown) throw err;
      return showLinks(ctx, { error: shown.message, status: shown.status });
    }
    await showLinks(ctx, { notice: msg(ctx, 'account.links.unlinked', { upstream: upstreamLabel(ctx, upstream) }) });
  });

  /** Turns what the round trip answered into the page: link the asserted identity, or say why not. */
  const settle = async (ctx: Context, upstream: UpstreamName, outcome: AuthOutcome) => {
    const { account } = centreOf(ctx);
    if (outcome.kind === 'redirect') return seeOther(ctx, outcome.url);
    if (outcome.kind !== 'asserted' || outcome.assertion.upstream !== upstream) {
      const code = outcome.kind === 'failed' ? outcome.code : 'flow.invalid';
      await services.audit.record({ event: 'account.upstream_linked', outcome: 'failure', subject: account.id, ...changeContext(ctx), details: { upstream, via: 'account_centre', reason: code } });
      return showLinks(ctx, { error: msg(ctx, linkFailureKeys[code] ?? 'account.links.failed', { upstream: upstreamLabel(ctx, upstream) }), status: outcome.kind === 'failed' ? outcome.status : 400 });
    }
    try {
      const result = await services.upstreamLinks.link(account.id, outcome.assertion, changeContext(ctx));
      if (result.outcome === 'already_linked') return showLinks(ctx, { notice: msg(ctx, 'account.links.already_linked', { upstream: upstreamLabel(ctx, upstream) }) });
    } catch (err) {
      const shown = formError(ctx, err);
      if (!shown) throw err;
      return showLinks(ctx, { error: msg(ctx, (err as { code: string }).code, { upstream: upstreamLabel(ctx, upstream) }), status: shown.status });
    }
    seeOther(ctx, `/account/links?linked=${upstream}`);
  };

  // 关联: starts the upstream's round trip for this account.
  router.post('/links/link', async (ctx) => {
    const form = await guard(ctx);
    const upstream = field(form, 'upstream', 20);
    const linker = isUpstreamName(upstream) ? linkerOf(upstream) : undefined;
    if (!isUpstreamName(upstream) || !linker) return showLinks(ctx, { error: msg(ctx, 'errors.not_found'), status: 404 });
    if ((await services.accountCentre.links(centreOf(ctx).account.id)).some((l) => l.upstream === upstream)) {
      return showLinks(ctx, { error: msg(ctx, 'account.links.upstream_in_use', { upstream: upstreamLabel(ctx, upstream) }), status: 409 });
    }
    await settle(ctx, upstream, await linker.beginLink(linkContext(ctx), esscPage));
  });

  // 江苏政务 / 支付宝 come back here from /federated/callback/:method (the state is checked and used up).
  router.get('/links/:upstream/complete', async (ctx) => {
    const { upstream } = ctx.params as { upstream: string };
    const linker = upstream === 'jszw' ? linkers().jszw : upstream === 'alipay' ? linkers().alipay : undefined;
    if (!linker || !isUpstreamName(upstream)) return showLinks(ctx, { error: msg(ctx, 'errors.not_found'), status: 404 });
    const query = Object.fromEntries(Object.entries(ctx.query).flatMap(([k, v]) => (typeof v === 'string' ? [[k, v.slice(0, 2048)]] : [])));
    await settle(ctx, upstream, await linker.completeLink(linkContext(ctx), query));
  });

  // 电子社保卡: the platform's QR for this attempt, a server-side status poll, and the completion.
  router.get('/links/essc', async (ctx) => {
    const essc = linkers().essc;
    const flowId = typeof ctx.query.flow === 'string' ? ctx.query.flow.slice(0, 64) : '';
    const view = essc ? await essc.viewLink(linkContext(ctx), flowId) : undefined;
    if (!view) return showLinks(ctx, { error: msg(ctx, 'account.links.state_invalid'), status: 400 });
    renderCentre(ctx, deps, 'account/link-essc.njk', 'links', {
      image: await qrDataUrl(view.qrContent),
      link: view.qrContent,
      dev: config.env !== 'production',
      flowId: view.flowId,
      pollMs: config.login.qrPollMs,
      actions: { status: `/account/links/essc/status.json?flow=${view.flowId}`, complete: '/account/links/essc/complete' },
    });
  });

  router.get('/links/essc/status.json', async (ctx) => {
    const essc = linkers().essc;
    const flowId = typeof ctx.query.flow === 'string' ? ctx.query.flow.slice(0, 64) : '';
    const polled = essc ? await essc.pollLink(linkContext(ctx), flowId) : ({ kind: 'failed', code: 'flow.invalid', status: 400 } as const);
    ctx.set('Cache-Control', 'no-store');
    if ('state' in polled) {
      ctx.body = { state: polled.state, message: msg(ctx, polled.state === 'authorized' ? 'account.links.essc_authorized' : `login.essc.${polled.state}`), submit: polled.state === 'authorized', renew: false };
      return;
    }
    const code = polled.kind === 'failed' ? polled.code : 'flow.invalid';
    ctx.body = { state: 'failed', message: msg(ctx, linkFailureKeys[code] ?? 'account.links.failed', { upstream: upstreamLabel(ctx, 'essc') }), submit: false, renew: false };
  });

  router.post('/links/essc/complete', async (ctx) => {
    const form = await guard(ctx);
    const essc = linkers().essc;
    if (!essc) return showLinks(ctx, { error: msg(ctx, 'errors.not_found'), status: 404 });
    const flowId = field(form, 'flow', 64);
    const outcome = await essc.completeLink(linkContext(ctx), { flow: flowId });
    if (outcome.kind === 'pending') return seeOther(ctx, esscPage(flowId));
    await settle(ctx, 'essc', outcome);
  });
}
