// 电子社保卡 / 江苏政务 / 支付宝 sign-in routes:
//   POST /interaction/:uid/federated/:method          → the upstream (state bound to the interaction)
//   GET  /federated/callback/:method                  → fixed callback registered upstream; sends the
//        browser to …/interaction/<uid>/federated/:method/complete (the interaction cookie is path-scoped),
//        or a 账号关联 attempt of this browser to /account/links/:method/complete (the centre's cookie too)
//   GET  /interaction/:uid/federated/:method/complete → checks state once, redeems, links, signs in
//   GET  /interaction/:uid/federated/essc[?flow]      → the platform's QR; status.json polls; POST complete

import Router from '@koa/router';
import type { Context } from 'koa';
import { isUpstreamName, type UpstreamName } from '../../domain/sign-in-methods.js';
import { AppError } from '../../errors/app-error.js';
import { callbackTarget, esscPollAnswer } from '../../flows/login/federated-steps.js';
import { field } from '../../http/body.js';
import { browserIdOf } from '../../http/csrf.js';
import { seeOther } from '../../http/redirect.js';
import { requestState } from '../../http/state.js';
import { render } from '../../http/views.js';
import { t } from '../../i18n/index.js';
import { formGuardFor, type RouteDeps } from '../../pages/deps.js';
import { showEsscPage, esscPollBody } from '../../pages/essc-page.js';
import { attemptOf, loadInteraction } from '../../pages/interaction/details.js';
import { authenticatorsOf } from '../../pages/interaction/login-page.js';
import { renderLoginFailure, settleOutcome } from '../../pages/interaction/settle.js';

export function federatedRoutes(deps: RouteDeps): Router {
  const router = new Router();
  const { services } = deps;
  const guard = formGuardFor(deps);
  /** The interaction the path names (GET and POST alike). */
  const interactionOf = (ctx: Context) => loadInteraction(ctx, deps.oidc.provider, (ctx.params as { uid: string }).uid);
  /** The authenticator of an upstream this deployment offers; 404 for any other. */
  const authenticatorOf = <M extends UpstreamName>(method: M) => {
    const authenticator = authenticatorsOf(deps)[method];
    if (!authenticator) throw new AppError('errors.not_found', 404);
    return authenticator;
  };
  /** The upstream the path names; 404 unless this deployment offers it. */
  const methodOf = (ctx: Context): UpstreamName => {
    const { method } = ctx.params as { method?: string };
    if (!isUpstreamName(method) || !authenticatorsOf(deps)[method]) throw new AppError('errors.not_found', 404);
    return method;
  };
  /** An offered upstream that comes back through its callback (e-SSC's QR does not); 404 for any other. */
  const redirectingOf = (ctx: Context) => {
    const method = methodOf(ctx);
    if (method === 'essc') throw new AppError('errors.not_found', 404);
    return method;
  };
  /** The upstream's query parameters (strings only, each bounded), passed on as they came. */
  const query = (ctx: Context): Record<string, string> =>
    Object.fromEntries(Object.entries(ctx.query).flatMap(([k, v]) => (typeof v === 'string' ? [[k, v.slice(0, 2048)]] : [])));
  const flowParam = (ctx: Context) => (typeof ctx.query.flow === 'string' ? ctx.query.flow : '');

  router.post('/interaction/:uid/federated/:method', async (ctx) => {
    await guard(ctx);
    const method = methodOf(ctx);
    const details = await interactionOf(ctx);
    await settleOutcome(ctx, deps, details, method, await authenticatorOf(method).begin(attemptOf(ctx, details)));
  });

  router.get('/federated/callback/:method', async (ctx) => {
    const method = redirectingOf(ctx);
    const state = typeof ctx.query.state === 'string' ? ctx.query.state : '';
    const states = authenticatorsOf(deps).federatedState;
    const target = await callbackTarget({ states, audit: services.audit }, { method, state, browserId: browserIdOf(ctx), ip: requestState(ctx).ip });
    const search = new URLSearchParams(query(ctx)).toString();
    if (target.kind === 'interaction') return seeOther(ctx, `/interaction/${target.uid}/federated/${method}/complete?${search}`);
    if (target.kind === 'link') return seeOther(ctx, `/account/links/${method}/complete?${search}`);
    const { locale, requestId } = requestState(ctx);
    render(ctx, deps.views, 'errors/error.njk', { title: t(locale, 'errors.title'), message: t(locale, target.code), requestId }, target.status);
  });

  router.get('/interaction/:uid/federated/:method/complete', async (ctx) => {
    const method = redirectingOf(ctx);
    const details = await interactionOf(ctx);
    await settleOutcome(ctx, deps, details, method, await authenticatorOf(method).complete(attemptOf(ctx, details), query(ctx)));
  });

  router.get('/interaction/:uid/federated/essc', async (ctx) => {
    const details = await interactionOf(ctx);
    const view = await authenticatorOf('essc').view(attemptOf(ctx, details), flowParam(ctx));
    if (!view) return renderLoginFailure(ctx, deps, details, 'essc', { kind: 'failed', code: 'flow.invalid', status: 400 });
    await showEsscPage(ctx, deps, details, view);
  });

  router.get('/interaction/:uid/federated/essc/status.json', async (ctx) => {
    const details = await interactionOf(ctx);
    const answer = esscPollAnswer(await authenticatorOf('essc').poll(attemptOf(ctx, details), flowParam(ctx)));
    ctx.set('Cache-Control', 'no-store');
    ctx.body = esscPollBody(ctx, answer);
  });

  router.post('/interaction/:uid/federated/essc/complete', async (ctx) => {
    const form = await guard(ctx);
    const details = await interactionOf(ctx);
    const flowId = field(form, 'flow', 64);
    const outcome = await authenticatorOf('essc').complete(attemptOf(ctx, details), { flow: flowId });
    if (outcome.kind === 'pending') return seeOther(ctx, `/interaction/${details.uid}/federated/essc?flow=${flowId}`);
    await settleOutcome(ctx, deps, details, 'essc', outcome);
  });

  return router;
}
