// /recover — 忘记密码: identify, then an SMS code to the account's phone or a face check, then a
// new password (lockout cleared, other sessions and refresh tokens ended). Until a factor is
// proven, an unknown or mismatching identity sees exactly what a known one sees: a stable
// stand-in masked number, the same limits, no message actually sent.

import Router from '@koa/router';
import type { Context } from 'koa';
import { maskPhone } from '../../domain/masking.js';
import { RateLimitedError, ValidationError } from '../../errors/app-error.js';
import { field } from '../../http/body.js';
import { browserIdOf } from '../../http/csrf.js';
import type { RequestState } from '../../http/state.js';
import { render } from '../../http/views.js';
import { t } from '../../i18n/index.js';
import { FlowError, type Flow } from '../../flows/engine/store.js';
import { recoveryFlow, type RecoveryFacts, type RecoveryState } from '../../flows/recovery/states.js';
import { formGuardFor, type RouteDeps } from '../deps.js';
import { faceStepRoutes } from '../face-step.js';
import { certTypeOptions, openIdentity, parseIdentityForm, sealIdentity, translateErrors, type TypedIdentity } from '../identity-form.js';

type RecoveryFlow = Flow<RecoveryState, RecoveryFacts>;

/** 返回登录 of a flow's pages: the relying party's login page it started from, if any. */
function backToLogin(flow: RecoveryFlow): { loginLink?: string } {
  const uid = interactionOf(flow.facts.interactionUid);
  return uid ? { loginLink: `/interaction/${uid}` } : {};
}

/** The interaction a recovery started from (to return to its login page), if well-formed. */
function interactionOf(value: unknown): string | undefined {
  return typeof value === 'string' && /^[\w-]{1,64}$/.test(value) ? value : undefined;
}

export function recoveryRoutes(deps: RouteDeps): Router {
  const router = new Router({ prefix: '/recover' });
  const { services, views, secrets } = deps;
  const guard = formGuardFor(deps);
  const st = (ctx: Context) => ctx.state as RequestState;
  const context = (ctx: Context) => ({ ip: st(ctx).ip, requestId: st(ctx).requestId });

  /** The phone a recovery code goes to: the account's, or a stable stand-in that is never messaged. */
  const targetPhone = async (accountId: string | null, identity: TypedIdentity): Promise<{ e164: string; real: boolean }> => {
    const account = accountId ? await services.accounts.getAccount(accountId) : undefined;
    if (account?.phoneE164) return { e164: account.phoneE164, real: true };
    const digits = secrets.blindIndex('identifier', `recover:${identity.certType}:${identity.idNumber}`).replace(/[^0-9]/g, '').padEnd(8, '7');
    return { e164: `+86${['135', '138', '139', '150', '186'][Number(digits[0]) % 5]}${digits.slice(1, 9)}`, real: false };
  };

  const page = async (ctx: Context, model: Record<string, unknown>, status?: number) => {
    const needsCaptcha = model.state === 'choose' || model.state === 'sms_sent';
    render(
      ctx,
      views,
      'recovery/recover.njk',
      {
        values: { certType: '01' },
        fieldErrors: {},
        certTypeOptions: certTypeOptions(st(ctx).locale),
        captcha: needsCaptcha ? await services.captcha.issue() : undefined,
        interaction: interactionOf(ctx.query.interaction),
        loginLink: interactionOf(ctx.query.interaction) ? `/interaction/${interactionOf(ctx.query.interaction)}` : '/',
        ...model,
      },
      status,
    );
  };

  const show = async (ctx: Context, flow: RecoveryFlow, extra: Record<string, unknown> = {}, status?: number) => {
    const base = `/recover/flow/${flow.id}`;
    await page(ctx, { state: flow.state, base, maskedPhone: flow.facts.maskedPhone, face: await face.view(flow), ...backToLogin(flow), ...extra }, status);
  };

  const load = (ctx: Context, states: readonly RecoveryState[]) =>
    services.flows.load<RecoveryState, RecoveryFacts>(recoveryFlow, (ctx.params as { id: string }).id, browserIdOf(ctx), states);

  // 人脸识别找回: a check of the identity sealed in the flow; an identity without an account learns
  // that only after passing it.
  const face = faceStepRoutes<RecoveryState, RecoveryFacts>(router, deps, {
    flow: recoveryFlow,
    state: 'face',
    paths: { start: '/flow/:id/face', status: '/flow/:id/face/status', continue: '/flow/:id/face/continue' },
    urls: (flow) => ({ status: `/recover/flow/${flow.id}/face/status`, continue: `/recover/flow/${flow.id}/face/continue`, retry: `/recover/flow/${flow.id}/face` }),
    load: (ctx, states) => load(ctx, states),
    begin: (ctx) => load(ctx, ['choose', 'sms_sent', 'face']),
    identity: async (_ctx, flow) => openIdentity(secrets.cipher, flow.facts.identityEnvelope),
    show: (ctx, flow, error, status) => show(ctx, flow, { error }, status),
    pageUrl: (flow) => `/recover/flow/${flow.id}`,
    passed: async (ctx, flow) => {
      await services.audit.record({ event: 'recovery.face_verified', outcome: 'success', subject: flow.accountId, ...context(ctx), details: { certifyId: flow.facts.certifyId } });
      if (!flow.accountId) return page(ctx, { state: 'no_account', ...backToLogin(flow) });
      await services.flows.advance(recoveryFlow, flow, 'verified', { certifyUrl: undefined });
      ctx.redirect(`/recover/flow/${flow.id}`);
      ctx.status = 303;
    },
  });

  router.get('/', async (ctx) => page(ctx, { state: 'identify' }));

  router.post('/', async (ctx) => {
    const form = await guard(ctx);
    const parsed = parseIdentityForm(form, deps.clock.now());
    if (!parsed.identity) {
      await page(ctx, { state: 'identify', values: parsed.values, fieldErrors: translateErrors(st(ctx).locale, parsed.errors) }, 400);
      return;
    }
    const identity = parsed.identity;
    const holder = await services.accounts.findAccountIdByDocument(identity.idNumber);
    const account = holder ? await services.accounts.getAccount(holder) : undefined;
    const matches = account !== undefined && account.name === identity.name && account.certType === identity.certType;
    const accountId = matches && account ? account.id : null;
    const phone = await targetPhone(accountId, identity);
    const flow = await services.flows.start(recoveryFlow, browserIdOf(ctx), {
      facts: { identityEnvelope: sealIdentity(secrets.cipher, identity), maskedPhone: maskPhone(phone.e164), ...(interactionOf(form.interaction) ? { interactionUid: interactionOf(form.interaction) } : {}) },
      accountId,
      state: 'choose',
    });
    ctx.redirect(`/recover/flow/${flow.id}`);
    ctx.status = 303;
  });

  router.get('/flow/:id', async (ctx) => show(ctx, await load(ctx, ['choose', 'sms_sent', 'face', 'verified', 'done'])));

  router.post('/flow/:id/sms', async (ctx) => {
    const form = await guard(ctx);
    const flow = await load(ctx, ['choose', 'sms_sent', 'face']);
    const phone = await targetPhone(flow.accountId, openIdentity(secrets.cipher, flow.facts.identityEnvelope));
    try {
      await services.smsCodes.send({ purpose: 'recover', phoneE164: phone.e164, captchaId: field(form, 'captchaId', 64), captchaAnswer: field(form, 'captcha', 16), ip: st(ctx).ip, deliver: phone.real });
    } catch (err) {
      if (err instanceof ValidationError) return show(ctx, flow, { fieldErrors: { captcha: t(st(ctx).locale, err.code) } }, 400);
      if (err instanceof RateLimitedError) return show(ctx, flow, { error: t(st(ctx).locale, err.code, err.params) }, 429);
      throw err;
    }
    await services.flows.advance(recoveryFlow, flow, 'sms_sent');
    await services.audit.record({ event: 'recovery.sms_sent', outcome: 'info', subject: flow.accountId, ...context(ctx), details: { phone: flow.facts.maskedPhone } });
    ctx.redirect(`/recover/flow/${flow.id}`);
    ctx.status = 303;
  });

  router.post('/flow/:id/code', async (ctx) => {
    const form = await guard(ctx);
    const flow = await load(ctx, ['sms_sent']);
    const code = field(form, 'code', 12);
    const phone = await targetPhone(flow.accountId, openIdentity(secrets.cipher, flow.facts.identityEnvelope));
    const outcome = /^\d{6}$/.test(code) ? await services.smsCodes.verify({ purpose: 'recover', phoneE164: phone.e164, code }) : 'invalid';
    if (outcome !== 'ok' || !flow.accountId || !phone.real) {
      const key = outcome === 'exhausted' ? 'login.sms_exhausted' : outcome === 'expired' ? 'login.sms_expired' : 'recover.code_invalid';
      await services.audit.record({ event: 'recovery.sms_verified', outcome: 'failure', subject: flow.accountId, ...context(ctx) });
      return show(ctx, flow, { fieldErrors: { code: t(st(ctx).locale, key) } }, 400);
    }
    await services.flows.advance(recoveryFlow, flow, 'verified');
    ctx.redirect(`/recover/flow/${flow.id}`);
    ctx.status = 303;
  });

  router.post('/flow/:id/password', async (ctx) => {
    const form = await guard(ctx);
    const flow = await load(ctx, ['verified']);
    const password = typeof form.password === 'string' ? form.password.slice(0, 128) : '';
    if (password !== form.confirmPassword) return show(ctx, flow, { fieldErrors: { confirmPassword: t(st(ctx).locale, 'register.password_mismatch') } }, 400);
    if (!flow.accountId) throw new FlowError('out_of_order');
    try {
      await services.recovery.resetPassword(flow.accountId, password, { actor: flow.accountId, ...context(ctx) });
    } catch (err) {
      if (err instanceof ValidationError) return show(ctx, flow, { fieldErrors: { password: t(st(ctx).locale, err.code) } }, 400);
      throw err;
    }
    await services.flows.advance(recoveryFlow, flow, 'done');
    await page(ctx, { state: 'done', ...backToLogin(flow) });
  });

  return router;
}
