// /recover/desk — 输入工作人员发起的验证码: the code a service desk member had sent to the account's
// bound phone (staff console, issue 17) opens the ordinary recovery flow at its last step, a new
// password, in this browser. Tries are limited per IP and per code; every miss reads the same.

import Router from '@koa/router';
import type { Context } from 'koa';
import { maskPhone } from '../../domain/masking.js';
import { parseMobile } from '../../domain/phone.js';
import { field } from '../../http/body.js';
import { browserIdOf } from '../../http/csrf.js';
import { seeOther } from '../../http/redirect.js';
import { requestState } from '../../http/state.js';
import { render } from '../../http/views.js';
import { t } from '../../i18n/index.js';
import { recoveryFlow } from '../../flows/recovery/states.js';
import { formGuardFor, type RouteDeps } from '../../pages/deps.js';
import { sealIdentity } from '../../pages/identity-form.js';

/** Tries of the desk code form per IP address and hour (each code also allows only a few tries). */
export const deskCodeTriesPerIpHour = 20;

export function deskResetRoutes(deps: RouteDeps): Router {
  const router = new Router({ prefix: '/recover' });
  const { services, views, secrets } = deps;
  const guard = formGuardFor(deps);
  const show = (ctx: Context, model: Record<string, unknown> = {}, status?: number) =>
    render(ctx, views, 'recovery/desk.njk', { values: {}, fieldErrors: {}, ...model }, status);

  router.get('/desk', (ctx) => show(ctx));

  router.post('/desk', async (ctx) => {
    const form = await guard(ctx);
    const { locale, ip, requestId } = requestState(ctx);
    const typed = field(form, 'phone', 64);
    const limit = await services.rateLimiter.consume([{ bucket: `desk-reset:ip:${ip}:h`, limit: deskCodeTriesPerIpHour, windowSeconds: 3600 }]);
    if (!limit.ok) return show(ctx, { values: { phone: typed }, error: t(locale, 'errors.rate_limited', { seconds: limit.retryAfterSeconds }) }, 429);
    const phone = parseMobile(typed);
    if (!phone.ok) return show(ctx, { values: { phone: typed }, fieldErrors: { phone: t(locale, phone.code) } }, 400);
    const code = field(form, 'code', 12);
    const outcome = /^\d{6}$/.test(code) ? await services.smsCodes.verify({ purpose: 'desk_reset', phoneE164: phone.e164, code }) : 'invalid';
    const accountId = outcome === 'ok' ? await services.accounts.findAccountIdByPhone(phone.e164) : undefined;
    const account = accountId ? await services.accounts.getAccount(accountId) : undefined;
    if (!account) {
      await services.audit.record({ event: 'recovery.sms_verified', outcome: 'failure', subject: accountId ?? null, ip, requestId, details: { via: 'service_desk' } });
      return show(ctx, { values: { phone: typed }, fieldErrors: { code: t(locale, 'recover.code_invalid') } }, 400);
    }
    const identity = account.certType && account.documentNumber && account.name
      ? sealIdentity(secrets.cipher, { certType: account.certType, idNumber: account.documentNumber, name: account.name })
      : '';
    const flow = await services.flows.start(recoveryFlow, browserIdOf(ctx), { facts: { identityEnvelope: identity, maskedPhone: maskPhone(phone.e164) }, accountId: account.id, state: 'verified' });
    await services.audit.record({ event: 'recovery.sms_verified', outcome: 'success', subject: account.id, ip, requestId, details: { via: 'service_desk' } });
    seeOther(ctx, `/recover/flow/${flow.id}`);
  });
  return router;
}
