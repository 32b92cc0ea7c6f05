// 账号关联: the linked upstream accounts (电子社保卡, 江苏政务, 支付宝); 关联 runs the upstream's own round
// trip (江苏政务 and 支付宝 redirect out and come back through the fixed /federated/callback; 电子社保卡
// shows the platform's QR) bound to this account, centre session and browser, then links the
// identity it asserts (flows/account-centre/linking.ts); 解除关联 never removes the last way to sign in.

import type Router from '@koa/router';
import { isUpstreamName } from '../../domain/sign-in-methods.js';
import { settleLink, startLink, unlinkUpstream } from '../../flows/account-centre/linking.js';
import { refused } from '../../flows/account-centre/outcomes.js';
import { field } from '../../http/body.js';
import { seeOther } from '../../http/redirect.js';
import type { RouteDeps } from '../../pages/deps.js';
import { accountGuard, centreOf, changeContext, msg } from '../../pages/account/context.js';
import {
  esscPage, esscStatusBody, linkContextOf, presentLink, showEsscLink, showLinkRefusal, showLinks, upstreamLabel,
} from '../../pages/account/links-view.js';

export function linkRoutes(router: Router, deps: RouteDeps): void {
  const { services } = deps;
  const guard = accountGuard(deps);
  const notFound = refused('errors.not_found', 404);

  router.get('/links', async (ctx) => {
    // After a link the callback comes here; the notice is shown only when the link really exists.
    const linked = ctx.query.linked;
    if (isUpstreamName(linked) && (await services.accountCentre.links(centreOf(ctx).account.id)).some((l) => l.upstream === linked)) {
      return showLinks(ctx, deps, { notice: msg(ctx, 'account.links.linked_ok', { upstream: upstreamLabel(ctx, linked) }) });
    }
    return showLinks(ctx, deps);
  });

  router.post('/links/unlink', async (ctx) => {
    const form = await guard(ctx);
    const outcome = await unlinkUpstream(services, centreOf(ctx).account.id, field(form, 'upstream', 20), changeContext(ctx));
    if (outcome.kind === 'refused') return showLinkRefusal(ctx, deps, outcome);
    await showLinks(ctx, deps, { notice: msg(ctx, 'account.links.unlinked', { upstream: upstreamLabel(ctx, outcome.upstream) }) });
  });

  // 关联: starts the upstream's round trip for this account.
  router.post('/links/link', async (ctx) => {
    const form = await guard(ctx);
    const upstream = field(form, 'upstream', 20);
    const linker = isUpstreamName(upstream) ? deps.authenticators[upstream] : undefined;
    await presentLink(ctx, deps, await startLink(services, linker, linkContextOf(ctx), upstream, esscPage, changeContext(ctx)));
  });

  // 江苏政务 / 支付宝 come back here from /federated/callback/:method (the state is checked and used up).
  router.get('/links/:upstream/complete', async (ctx) => {
    const { upstream } = ctx.params as { upstream: string };
    const linker = upstream === 'jszw' ? deps.authenticators.jszw : upstream === 'alipay' ? deps.authenticators.alipay : undefined;
    if (!linker || !isUpstreamName(upstream)) return showLinkRefusal(ctx, deps, notFound);
    const query = Object.fromEntries(Object.entries(ctx.query).flatMap(([k, v]) => (typeof v === 'string' ? [[k, v.slice(0, 2048)]] : [])));
    const outcome = await linker.completeLink(linkContextOf(ctx), query);
    await presentLink(ctx, deps, await settleLink(services, centreOf(ctx).account.id, upstream, outcome, changeContext(ctx)));
  });

  // 电子社保卡: the platform's QR for this attempt, a server-side status poll, and the completion.
  router.get('/links/essc', async (ctx) => {
    const essc = deps.authenticators.essc;
    const flowId = typeof ctx.query.flow === 'string' ? ctx.query.flow.slice(0, 64) : '';
    const view = essc ? await essc.viewLink(linkContextOf(ctx), flowId) : undefined;
    if (!view) return showLinks(ctx, deps, { error: msg(ctx, 'account.links.state_invalid'), status: 400 });
    await showEsscLink(ctx, deps, view);
  });

  router.get('/links/essc/status.json', async (ctx) => {
    const essc = deps.authenticators.essc;
    const flowId = typeof ctx.query.flow === 'string' ? ctx.query.flow.slice(0, 64) : '';
    const polled = essc ? await essc.pollLink(linkContextOf(ctx), flowId) : ({ kind: 'failed', code: 'flow.invalid', status: 400 } as const);
    ctx.set('Cache-Control', 'no-store');
    ctx.body = esscStatusBody(ctx, polled);
  });

  router.post('/links/essc/complete', async (ctx) => {
    const form = await guard(ctx);
    const essc = deps.authenticators.essc;
    if (!essc) return showLinkRefusal(ctx, deps, notFound);
    const flowId = field(form, 'flow', 64);
    const outcome = await essc.completeLink(linkContextOf(ctx), { flow: flowId });
    if (outcome.kind === 'pending') return seeOther(ctx, esscPage(flowId));
    await presentLink(ctx, deps, await settleLink(services, centreOf(ctx).account.id, 'essc', outcome, changeContext(ctx)));
  });
}
