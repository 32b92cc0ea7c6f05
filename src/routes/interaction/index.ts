// /interaction/:uid — the provider's interaction pages: the login page, the local methods' forms
// handed to their authenticators, the policy texts to agree to, consent for third-party clients, and
// abort. Each POST: IP limit, bounded body, CSRF.

import Router from '@koa/router';
import { isLocalMethod } from '../../domain/sign-in-methods.js';
import { field, passwordField } from '../../http/body.js';
import { policiesPromptName, stepUpReason } from '../../oidc/policy.js';
import { formGuardFor, type RouteDeps } from '../../pages/deps.js';
import { attemptOf, clientIdOf, clientNameOf, loadInteraction } from '../../pages/interaction/details.js';
import { grantConsent, showConsent } from '../../pages/interaction/consent.js';
import { answerPolicies, showPolicies, type PoliciesPageDeps } from '../../pages/interaction/policies.js';
import { abortInteraction } from '../../pages/interaction/finish.js';
import { settleOutcome } from '../../pages/interaction/settle.js';
import { loginPageDeps, parseMethod, renderLoginPage } from '../../pages/interaction/login-page.js';
import { seeOther } from '../../http/redirect.js';

export function interactionRoutes(deps: RouteDeps): Router {
  const router = new Router({ prefix: '/interaction/:uid' });
  const { services, views } = deps;
  const guard = formGuardFor(deps);
  const provider = () => deps.oidc.provider;
  const policiesPage = (): PoliciesPageDeps => ({ provider: provider(), views, policies: services.policies });

  router.get('/', async (ctx) => {
    const { uid } = ctx.params as { uid: string };
    const details = await loadInteraction(ctx, provider(), uid);
    if (details.prompt.name === 'login' && details.prompt.reasons.includes(stepUpReason) && details.session?.accountId) {
      seeOther(ctx, `/interaction/${uid}/step-up`);
      return;
    }
    if (details.prompt.name === policiesPromptName) {
      await showPolicies(ctx, policiesPage(), details);
      return;
    }
    if (details.prompt.name === 'consent') {
      await showConsent(ctx, { provider: provider(), views, clients: deps.clients }, details);
      return;
    }
    const clientName = await clientNameOf(provider(), details.params.client_id);
    const qrTicket = typeof ctx.query.ticket === 'string' ? ctx.query.ticket : undefined;
    await renderLoginPage(ctx, loginPageDeps(deps), { uid, clientName, method: parseMethod(ctx.query.method), qrTicket }, clientIdOf(details));
  });

  // 账号密码, 手机动态码 and 扫码: one route hands the parsed form to the method's authenticator and
  // presents its outcome (POST /password; /sms/send begins, /sms/verify completes; /qr/complete).
  router.post('/:method{/:action}', async (ctx, next) => {
    const { uid, method, action } = ctx.params as { uid: string; method: string; action?: string };
    const parse = formParsers.get(`${method}${action ? `/${action}` : ''}`);
    if (!parse || !isLocalMethod(method)) return next();
    const form = await guard(ctx);
    const details = await loadInteraction(ctx, provider(), uid);
    const authenticator = deps.authenticators[method];
    if (!authenticator) return seeOther(ctx, `/interaction/${uid}`); // a method this deployment does not offer: back to the page
    const input = parse.input(form);
    const attempt = attemptOf(ctx, details);
    const outcome = parse.begins ? await authenticator.begin(attempt, input as never) : await authenticator.complete(attempt, input as never);
    await settleOutcome(ctx, deps, details, method, outcome);
  });

  router.post('/consent', async (ctx) => {
    const { uid } = ctx.params as { uid: string };
    const form = await guard(ctx);
    const details = await loadInteraction(ctx, provider(), uid);
    const returnTo = await grantConsent(ctx, { provider: provider(), views, clients: deps.clients, audit: services.audit }, details, form);
    if (!returnTo) return;
    seeOther(ctx, returnTo);
  });

  router.post('/policies', async (ctx) => {
    const { uid } = ctx.params as { uid: string };
    const form = await guard(ctx);
    const details = await loadInteraction(ctx, provider(), uid);
    await answerPolicies(ctx, policiesPage(), details, form);
  });

  router.post('/abort', async (ctx) => {
    const { uid } = ctx.params as { uid: string };
    await guard(ctx);
    await loadInteraction(ctx, provider(), uid);
    await abortInteraction(ctx, provider(), 'The user cancelled the sign-in');
  });

  return router;
}

/** What each local method's form posts, parsed and bounded, and whether it begins the method or completes it. */
const formParsers = new Map<string, { begins: boolean; input: (form: Record<string, unknown>) => Record<string, string> }>(Object.entries({
  password: { begins: false, input: (form) => ({ account: field(form, 'account', 64), password: passwordField(form, 'password') }) },
  'sms/send': { begins: true, input: (form) => ({ phone: field(form, 'phone', 32), captchaId: field(form, 'captchaId', 64), captcha: field(form, 'captcha', 16), pow: field(form, 'pow', 4096) }) },
  'sms/verify': { begins: false, input: (form) => ({ flow: field(form, 'flow', 64), code: field(form, 'code', 12) }) },
  'qr/complete': { begins: false, input: (form) => ({ ticket: field(form, 'ticket', 64) }) },
}));
