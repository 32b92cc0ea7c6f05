// /interaction/:uid — the provider's interaction pages: the login page and its methods (password,
// SMS code), consent for third-party clients, and abort. Each POST: IP limit, bounded body, CSRF.

import Router from '@koa/router';
import type { Context } from 'koa';
import { maskPhone } from '../../domain/masking.js';
import { parseMobile } from '../../domain/phone.js';
import { RateLimitedError, ValidationError } from '../../errors/app-error.js';
import { field } from '../../http/body.js';
import type { RequestState } from '../../http/state.js';
import { render } from '../../http/views.js';
import { t } from '../../i18n/index.js';
import { loginSmsFlow, type LoginSmsFacts } from '../../flows/login/states.js';
import { FlowError } from '../../flows/engine/store.js';
import { browserIdOf } from '../../http/csrf.js';
import { stepUpReason } from '../../oidc/policy.js';
import { formGuardFor, type RouteDeps } from '../deps.js';
import { clientIdOf, clientNameOf, loadInteraction } from './details.js';
import { abortInteraction } from './finish.js';
import { continueSignIn } from './settle.js';
import { loginPageDeps, parseMethod, renderLoginPage, type LoginPageModel } from './login-page.js';

const phoneAad = 'flows.login-sms.phone';

export function interactionRoutes(deps: RouteDeps): Router {
  const router = new Router({ prefix: '/interaction/:uid' });
  const { services, views } = deps;
  const guard = formGuardFor(deps);
  const provider = () => deps.oidc.provider;
  const state = (ctx: Context) => ctx.state as RequestState;
  const message = (ctx: Context, code: string, params: Record<string, string | number> = {}) => t(state(ctx).locale, code, params);

  const page = async (ctx: Context, uid: string, model: Omit<LoginPageModel, 'uid' | 'clientName'>) => {
    const details = await loadInteraction(ctx, provider(), uid);
    await renderLoginPage(ctx, loginPageDeps(deps), { uid, clientName: await clientNameOf(provider(), details.params.client_id), ...model }, clientIdOf(details));
  };

  router.get('/', async (ctx) => {
    const { uid } = ctx.params as { uid: string };
    const details = await loadInteraction(ctx, provider(), uid);
    if (details.prompt.name === 'login' && details.prompt.reasons.includes(stepUpReason) && details.session?.accountId) {
      ctx.redirect(`/interaction/${uid}/step-up`);
      ctx.status = 303;
      return;
    }
    const clientName = await clientNameOf(provider(), details.params.client_id);
    if (details.prompt.name === 'consent') {
      const missing = (details.prompt.details.missingOIDCScope as string[] | undefined) ?? [];
      render(ctx, views, 'interaction/consent.njk', {
        clientName,
        scopes: missing.length > 0 ? missing : String(details.params.scope ?? '').split(' ').filter(Boolean),
        actions: { confirm: `/interaction/${uid}/consent`, abort: `/interaction/${uid}/abort` },
      });
      return;
    }
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
    const outcome = /^\d{6}$/.test(code) ? await services.smsCodes.verify({ purpose: 'login', phoneE164, code }) : 'invalid';
    const accountId = outcome === 'ok' ? await services.accounts.findAccountIdByPhone(phoneE164) : undefined;
    if (!accountId) {
      await services.audit.record({ event: 'signin.sms', outcome: 'failure', ip: state(ctx).ip, requestId: state(ctx).requestId, details: { outcome, phone: flow.facts.maskedPhone } });
      const errorCode = outcome === 'exhausted' ? 'login.sms_exhausted' : outcome === 'expired' ? 'login.sms_expired' : 'login.sms_invalid';
      await page(ctx, uid, { method: 'sms', smsStep: outcome === 'exhausted' || outcome === 'expired' ? 'send' : 'verify', flowId: flow.id, maskedPhone: flow.facts.maskedPhone, error: message(ctx, errorCode), status: 401 });
      return;
    }
    await services.flows.advance(loginSmsFlow, flow, 'done');
    await continueSignIn(ctx, deps, details, accountId, ['sms']);
  });

  router.post('/consent', async (ctx) => {
    const { uid } = ctx.params as { uid: string };
    await guard(ctx);
    const details = await loadInteraction(ctx, provider(), uid);
    if (details.prompt.name !== 'consent' || !details.session?.accountId) throw new FlowError('out_of_order');
    const { Grant } = provider();
    const grant = details.grantId
      ? ((await Grant.find(details.grantId)) ?? new Grant({ accountId: details.session.accountId, clientId: String(details.params.client_id) }))
      : new Grant({ accountId: details.session.accountId, clientId: String(details.params.client_id) });
    const prompt = details.prompt.details as { missingOIDCScope?: string[]; missingOIDCClaims?: string[]; missingResourceScopes?: Record<string, string[]> };
    if (prompt.missingOIDCScope) grant.addOIDCScope(prompt.missingOIDCScope.join(' '));
    if (prompt.missingOIDCClaims) grant.addOIDCClaims(prompt.missingOIDCClaims);
    for (const [indicator, scopes] of Object.entries(prompt.missingResourceScopes ?? {})) grant.addResourceScope(indicator, scopes.join(' '));
    const grantId = await grant.save();
    await services.audit.record({ event: 'consent.granted', outcome: 'success', subject: details.session.accountId, clientId: String(details.params.client_id), ip: state(ctx).ip, details: { scopes: prompt.missingOIDCScope ?? [] } });
    const returnTo = await provider().interactionResult(ctx.req, ctx.res, { consent: { grantId } }, { mergeWithLastSubmission: true });
    ctx.redirect(returnTo);
    ctx.status = 303;
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
