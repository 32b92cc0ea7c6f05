// 电子社保卡 / 江苏政务 / 支付宝 sign-in routes:
//   POST /interaction/:uid/federated/:method          → the upstream (state bound to the interaction)
//   GET  /federated/callback/:method                  → fixed callback registered upstream; sends the
//        browser to …/interaction/<uid>/federated/:method/complete (the interaction cookie is path-scoped),
//        or a 账号关联 attempt of this browser to /account/links/:method/complete (the centre's cookie too)
//   GET  /interaction/:uid/federated/:method/complete → checks state once, redeems, links, signs in
//   GET  /interaction/:uid/federated/essc[?flow]      → the platform's QR; status.json polls; POST complete

import Router from '@koa/router';
import type { Context } from 'koa';
import { isUpstreamName, signInMethodInfo, type UpstreamName } from '../../domain/sign-in-methods.js';
import { AppError } from '../../errors/app-error.js';
import { field } from '../../http/body.js';
import { browserIdOf } from '../../http/csrf.js';
import { render } from '../../http/views.js';
import { t } from '../../i18n/index.js';
import { formGuardFor, type RouteDeps } from '../../pages/deps.js';
import { attemptOf, clientNameOf, loadInteraction } from '../../pages/interaction/details.js';
import { authenticatorsOf, qrDataUrl } from '../../pages/interaction/login-page.js';
import { renderLoginFailure, settleOutcome } from '../../pages/interaction/settle.js';
import { seeOther } from '../../http/redirect.js';
import { requestState } from '../../http/state.js';

export function federatedRoutes(deps: RouteDeps): Router {
  const router = new Router();
  const { services, config } = deps;
  const guard = formGuardFor(deps);
  const provider = () => deps.oidc.provider;
  const locale = (ctx: Context) => (requestState(ctx)).locale;
  const methodOf = (ctx: Context): UpstreamName => {
    const { method } = ctx.params as { method?: string };
    if (!isUpstreamName(method) || !authenticatorsOf(deps)[method]) throw new AppError('errors.not_found', 404);
    return method;
  };
  const query = (ctx: Context): Record<string, string> =>
    Object.fromEntries(Object.entries(ctx.query).flatMap(([k, v]) => (typeof v === 'string' ? [[k, v.slice(0, 2048)]] : [])));

  router.post('/interaction/:uid/federated/:method', async (ctx) => {
    const { uid } = ctx.params as { uid: string };
    await guard(ctx);
    const method = methodOf(ctx);
    const details = await loadInteraction(ctx, provider(), uid);
    const authenticator = authenticatorsOf(deps)[method];
    if (!authenticator) throw new AppError('errors.not_found', 404);
    await settleOutcome(ctx, deps, details, method, await authenticator.begin(attemptOf(ctx, details)));
  });

  router.get('/federated/callback/:method', async (ctx) => {
    const method = methodOf(ctx);
    if (method === 'essc') throw new AppError('errors.not_found', 404);
    const state = typeof ctx.query.state === 'string' ? ctx.query.state : '';
    const federatedState = authenticatorsOf(deps).federatedState;
    const uid = await federatedState.interactionOf(state, browserIdOf(ctx), method);
    if (!uid && federatedState.isLinkState(state, method)) {
      seeOther(ctx, `/account/links/${method}/complete?${new URLSearchParams(query(ctx)).toString()}`);
      return;
    }
    if (!uid) {
      await services.audit.record({ event: signInMethodInfo[method].auditEvent, outcome: 'failure', ip: (requestState(ctx)).ip, details: { reason: 'state_mismatch' } });
      render(ctx, deps.views, 'errors/error.njk', { title: t(locale(ctx), 'errors.title'), message: t(locale(ctx), 'login.federated_state_invalid'), requestId: (requestState(ctx)).requestId }, 400);
      return;
    }
    seeOther(ctx, `/interaction/${uid}/federated/${method}/complete?${new URLSearchParams(query(ctx)).toString()}`);
  });

  router.get('/interaction/:uid/federated/:method/complete', async (ctx) => {
    const { uid } = ctx.params as { uid: string };
    const method = methodOf(ctx);
    if (method === 'essc') throw new AppError('errors.not_found', 404);
    const details = await loadInteraction(ctx, provider(), uid);
    const authenticator = authenticatorsOf(deps)[method];
    if (!authenticator) throw new AppError('errors.not_found', 404);
    await settleOutcome(ctx, deps, details, method, await authenticator.complete(attemptOf(ctx, details), query(ctx)));
  });

  router.get('/interaction/:uid/federated/essc', async (ctx) => {
    const { uid } = ctx.params as { uid: string };
    const details = await loadInteraction(ctx, provider(), uid);
    const essc = authenticatorsOf(deps).essc;
    if (!essc) throw new AppError('errors.not_found', 404);
    const flowId = typeof ctx.query.flow === 'string' ? ctx.query.flow : '';
    const view = await essc.view(attemptOf(ctx, details), flowId);
    if (!view) {
      await renderLoginFailure(ctx, deps, details, 'essc', { kind: 'failed', code: 'flow.invalid', status: 400 });
      return;
    }
    const base = `/interaction/${uid}/federated/essc`;
    render(ctx, deps.views, 'interaction/essc.njk', {
      clientName: await clientNameOf(provider(), details.params.client_id),
      image: await qrDataUrl(view.qrContent),
      link: view.qrContent,
      dev: config.env !== 'production',
      flowId: view.flowId,
      pollMs: config.login.qrPollMs,
      actions: {
        status: `${base}/status.json?flow=${view.flowId}`,
        complete: `${base}/complete`,
        refresh: `${base}?flow=${view.flowId}`,
        restart: `/interaction/${uid}/federated/essc`,
        back: `/interaction/${uid}`,
      },
    });
  });

  router.get('/interaction/:uid/federated/essc/status.json', async (ctx) => {
    const { uid } = ctx.params as { uid: string };
    const details = await loadInteraction(ctx, provider(), uid);
    const essc = authenticatorsOf(deps).essc;
    if (!essc) throw new AppError('errors.not_found', 404);
    const polled = await essc.poll(attemptOf(ctx, details), typeof ctx.query.flow === 'string' ? ctx.query.flow : '');
    ctx.set('Cache-Control', 'no-store');
    if ('state' in polled) {
      ctx.body = { state: polled.state, message: t(locale(ctx), `login.essc.${polled.state}`), submit: polled.state === 'authorized', renew: false };
      return;
    }
    const code = polled.kind === 'failed' ? polled.code : 'flow.invalid';
    ctx.body = { state: 'failed', message: t(locale(ctx), code, { method: t(locale(ctx), 'login.fed.essc') }), submit: false, renew: false };
  });

  router.post('/interaction/:uid/federated/essc/complete', async (ctx) => {
    const { uid } = ctx.params as { uid: string };
    const form = await guard(ctx);
    const details = await loadInteraction(ctx, provider(), uid);
    const essc = authenticatorsOf(deps).essc;
    if (!essc) throw new AppError('errors.not_found', 404);
    const flowId = field(form, 'flow', 64);
    const outcome = await essc.complete(attemptOf(ctx, details), { flow: flowId });
    if (outcome.kind === 'pending') {
      seeOther(ctx, `/interaction/${uid}/federated/essc?flow=${flowId}`);
      return;
    }
    await settleOutcome(ctx, deps, details, 'essc', outcome);
  });

  return router;
}
