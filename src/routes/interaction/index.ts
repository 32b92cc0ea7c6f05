// /interaction/:uid — the provider's interaction pages: the login page and its methods (password,
// SMS code), the policy texts to agree to (policies.ts), consent for third-party clients (consent.ts),
// and abort. Each POST: IP limit, bounded body, CSRF.

import Router from '@koa/router';
import type { Context } from 'koa';
import { maskPhone } from '../../domain/masking.js';
import { parseMobile } from '../../domain/phone.js';
import { RateLimitedError, ValidationError } from '../../errors/app-error.js';
import { field } from '../../http/body.js';
import { t } from '../../i18n/index.js';
import { loginSmsFlow, type LoginSmsFacts } from '../../flows/login/states.js';
import { FlowError } from '../../flows/engine/store.js';
import { smsCodeRefusal, verifySmsCode } from '../../flows/steps/sms-code.js';
import { browserIdOf } from '../../http/csrf.js';
import { policiesPromptName, stepUpReason } from '../../oidc/policy.js';
import { formGuardFor, type RouteDeps } from '../deps.js';
import { clientIdOf, clientNameOf, loadInteraction } from './details.js';
import { grantConsent, showConsent } from './consent.js';
import { answerPolicies, showPolicies, type PoliciesPageDeps } from './policies.js';
import { abortInteraction } from './finish.js';
import { continueSignIn } from './settle.js';
import { loginPageDeps, parseMethod, renderLoginPage, type LoginPageModel } from './login-page.js';
import { seeOther } from '../../http/redirect.js';
import { requestState } from '../../http/state.js';

const phoneAad = 'flows.login-sms.phone';

export function interactionRoutes(deps: RouteDeps): Router {
  const router = new Router({ prefix: '/interaction/:uid' });
  const { services, views } = deps;
  const guard = formGuardFor(deps);
  const provider = () => deps.oidc.provider;
  const state = (ctx: Context) => requestState(ctx);
  const message = (ctx: Context, code: string, params: Record<string, string | number> = {}) => t(state(ctx).locale, code, params);
  const policiesPage = (): PoliciesPageDeps => ({ provider: provider(), views, policies: services.policies });

  const page = async (ctx: Context, uid: string, model: Omit<LoginPageModel, 'uid' | 'clientName'>) => {
    const details = await loadInteraction(ctx, provider(), uid);
    await renderLoginPage(ctx, loginPageDeps(deps), { uid, clientName: await clientNameOf(provider(), details.params.client_id), ...model }, clientIdOf(details));
  };

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

  router.post('/password', async (ctx) => {
    const { uid } = ctx.params as { uid: string };
    const form = await guard(ctx);
    const details = await loadInteraction(ctx, provider(), uid);
    const account = field(form, 'account', 64);
    const password = typeof form.password === 'string' ? form.password.slice(0, 128) : '';
    if (!account || !password) {
      await page(ctx, uid, { method: 'password', values: { account }, error: message(ctx, 'login.invalid_credentials'), status: 400 });
      return;
    }
    const result = await services.passwordSignIn.signIn({
      identifier: account,
      password,
      ip: state(ctx).ip,
      requestId: state(ctx).requestId,
      ...(typeof details.params.client_id === 'string' ? { clientId: details.params.client_id } : {}),
    });
    if (result.ok) {
      await continueSignIn(ctx, deps, details, result.accountId, ['pwd']);
      return;
    }
    const error =
      result.reason === 'locked'
        ? message(ctx, 'login.locked', { until: formatTime(result.until, state(ctx).locale) })
        : // when two tries or fewer remain (from the third failure at the default five), say so; an
          // unknown identifier is counted and answered the same way
          result.remaining <= 2
          ? message(ctx, 'login.invalid_credentials_remaining', { remaining: result.remaining, hours: Math.max(1, Math.round(services.lockout.lockSeconds / 3600)) })
          : message(ctx, 'login.invalid_credentials');
    await page(ctx, uid, { method: 'password', values: { account }, error, status: result.reason === 'locked' ? 423 : 401 });
  });

  router.post('/sms/send', async (ctx) => {
    const { uid } = ctx.params as { uid: string };
    const form = await guard(ctx);
    await loadInteraction(ctx, provider(), uid);
    const raw = field(form, 'phone', 32);
    const phone = parseMobile(raw);
    if (!phone.ok) {
      await page(ctx, uid, { method: 'sms', values: { phone: raw }, fieldErrors: { phone: message(ctx, phone.code) }, status: 400 });
      return;
    }
    const accountId = await services.accounts.findAccountIdByPhone(phone.e164);
    try {
      await services.smsCodes.send({
        purpose: 'login',
        phoneE164: phone.e164,
        captchaId: field(form, 'captchaId', 64),
        captchaAnswer: field(form, 'captcha', 16),
        pow: field(form, 'pow', 4096),
        ip: state(ctx).ip,
        deliver: accountId !== undefined,
      });
    } catch (err) {
      if (err instanceof ValidationError) {
        await page(ctx, uid, { method: 'sms', values: { phone: raw }, fieldErrors: { [err.field ?? 'captcha']: message(ctx, err.code) }, status: 400 });
        return;
      }
      if (err instanceof RateLimitedError) {
        await page(ctx, uid, { method: 'sms', values: { phone: raw }, error: message(ctx, err.code, err.params), status: 429 });
        return;
      }
      throw err;
    }
    const facts: LoginSmsFacts = { phoneEnvelope: deps.secrets.cipher.encrypt(phone.e164, phoneAad), maskedPhone: maskPhone(phone.e164) };
    const flow = await services.flows.start(loginSmsFlow, browserIdOf(ctx), { facts, interactionUid: uid });
    await page(ctx, uid, { method: 'sms', smsStep: 'verify', flowId: flow.id, maskedPhone: facts.maskedPhone, notice: message(ctx, 'login.sms_sent') });
  });

  router.post('/sms/verify', async (ctx) => {
    const { uid } = ctx.params as { uid: string };
    const form = await guard(ctx);
    const details = await loadInteraction(ctx, provider(), uid);
    let flow;
    try {
      flow = await services.flows.load<'code_sent' | 'done', LoginSmsFacts>(loginSmsFlow, field(form, 'flow', 64), browserIdOf(ctx), ['code_sent']);
      if (flow.interactionUid !== uid) throw new FlowError('not_found');
    } catch (err) {
      if (!(err instanceof FlowError)) throw err;
      await page(ctx, uid, { method: 'sms', error: message(ctx, err.code), status: 400 });
      return;
    }
    const code = field(form, 'code', 12);
    const phoneE164 = deps.secrets.cipher.decrypt(flow.facts.phoneEnvelope, phoneAad);
    const proven = await verifySmsCode(services.smsCodes, { purpose: 'login', phoneE164, code });
    const accountId = proven.ok ? await services.accounts.findAccountIdByPhone(phoneE164) : undefined;
    if (!accountId) {
      await services.audit.record({ event: 'signin.sms', outcome: 'failure', ip: state(ctx).ip, requestId: state(ctx).requestId, details: { outcome: proven.ok ? 'ok' : proven.outcome, phone: flow.facts.maskedPhone } });
      // A proven code for a number without an account is told as a wrong code (no enumeration).
      const refusal = proven.ok ? smsCodeRefusal('invalid') : proven;
      await page(ctx, uid, { method: 'sms', smsStep: refusal.resend ? 'send' : 'verify', flowId: flow.id, maskedPhone: flow.facts.maskedPhone, error: message(ctx, refusal.message), status: 401 });
      return;
    }
    await services.flows.advance(loginSmsFlow, flow, 'done');
    await continueSignIn(ctx, deps, details, accountId, ['sms']);
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

function formatTime(date: Date, locale: string): string {
  return date.toLocaleString(locale === 'en' ? 'en-GB' : 'zh-CN', { timeZone: 'Asia/Shanghai', hour12: false });
}
