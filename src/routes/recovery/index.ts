// /recover — 忘记密码: identify (with a captcha), then an SMS code to the account's phone or a face
// check, then a new password (lockout cleared, other sessions and refresh tokens ended). Until a
// factor is proven, an unknown or mismatching identity sees exactly what a known one sees: a
// stand-in masked number of its own (stable per document and name), the same limits, no message.

import Router from '@koa/router';
import type { Context } from 'koa';
import { maskPhone } from '../../domain/masking.js';
import { RateLimitedError, ValidationError } from '../../errors/app-error.js';
import { field } from '../../http/body.js';
import { browserIdOf } from '../../http/csrf.js';
import { render } from '../../http/views.js';
import { t } from '../../i18n/index.js';
import { FlowError, type Flow } from '../../flows/engine/store.js';
import { recoveryFlow, type RecoveryFacts, type RecoveryState } from '../../flows/recovery/states.js';
import { standInPhone } from '../../flows/recovery/stand-in.js';
import { smsCodeRefusal, verifySmsCode } from '../../flows/steps/sms-code.js';
import { formGuardFor, type RouteDeps } from '../../pages/deps.js';
import { faceStepRoutes } from '../../pages/face-step.js';
import { certTypeOptions, openIdentity, parseIdentityForm, sealIdentity, translateErrors, type TypedIdentity } from '../../pages/identity-form.js';
import { seeOther } from '../../http/redirect.js';
import { requestState } from '../../http/state.js';

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

/** A re-rendered identify form keeps the interaction it came from (its hidden field). */
function interactionModel(form: Record<string, string>): { interaction?: string; loginLink?: string } {
  const uid = interactionOf(form.interaction);
  return uid ? { interaction: uid, loginLink: `/interaction/${uid}` } : {};
}

export function recoveryRoutes(deps: RouteDeps): Router {
  const router = new Router({ prefix: '/recover' });
  const { services, views, secrets } = deps;
  const guard = formGuardFor(deps);
  const st = (ctx: Context) => requestState(ctx);
  const context = (ctx: Context) => ({ ip: st(ctx).ip, requestId: st(ctx).requestId });

  /** The phone a recovery code goes to: the account's, or the identity's stand-in, never messaged. */
  const targetPhone = async (accountId: string | null, identity: TypedIdentity): Promise<{ e164: string; real: boolean }> => {
    const account = accountId ? await services.accounts.getAccount(accountId) : undefined;
    if (account?.phoneE164) return { e164: account.phoneE164, real: true };
    return { e164: standInPhone(secrets.blindIndex, identity), real: false };
  };

  const page = async (ctx: Context, model: Record<string, unknown>, status?: number) => {
    const needsCaptcha = model.state === 'identify' || model.state === 'choose' || model.state === 'sms_sent';
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
        loginLink: interactionOf(ctx.query.interaction) ? `/interaction/${interactionOf(ctx.query.interaction)}` : '/account',
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
    alternatives: (flow) => [{ href: `/recover/flow/${flow.id}?way=sms`, label: 'face.alt_recover_sms' }],
    passed: async (ctx, flow) => {
      await services.audit.record({ event: 'recovery.face_verified', outcome: 'success', subject: flow.accountId, ...context(ctx), details: { certifyId: flow.facts.certifyId } });
      if (!flow.accountId) return page(ctx, { state: 'no_account', ...backToLogin(flow) });
      await services.flows.advance(recoveryFlow, flow, 'verified', { certifyUrl: undefined });
      seeOther(ctx, `/recover/flow/${flow.id}`);
    },
  });

  router.get('/', async (ctx) => page(ctx, { state: 'identify' }));

  router.post('/', async (ctx) => {
    const form = await guard(ctx);
    // The captcha before anything is looked up: each look-up costs a solved captcha.
    const captchaOk = await services.captcha.verify(field(form, 'captchaId', 64), field(form, 'captcha', 16));
    const parsed = parseIdentityForm(form, deps.clock.now());
    const errors = { ...parsed.errors, ...(captchaOk ? {} : { captcha: 'captcha.invalid' }) };
    if (!parsed.identity || !captchaOk) {
      await page(ctx, { state: 'identify', values: parsed.values, fieldErrors: translateErrors(st(ctx).locale, errors), ...interactionModel(form) }, 400);
      return;
    }
    const identity = parsed.identity;
    const holder = await services.accounts.findAccountIdByDocument(identity.idNumber);
    const account = holder ? await services.accounts.getAccount(holder) : undefined;
    const matches = account !== undefined && account.name === identity.name && account.certType === identity.certType;
    const accountId = matches && account ? account.id : null;
    // From the account already read, so the right name costs no extra look-up.
    const phone = matches && account?.phoneE164 ? account.phoneE164 : standInPhone(secrets.blindIndex, identity);
    const flow = await services.flows.start(recoveryFlow, browserIdOf(ctx), {
      facts: { identityEnvelope: sealIdentity(secrets.cipher, identity), maskedPhone: maskPhone(phone), ...(interactionOf(form.interaction) ? { interactionUid: interactionOf(form.interaction) } : {}) },
      accountId,
      state: 'choose',
    });
    seeOther(ctx, `/recover/flow/${flow.id}`);
  });

  router.get('/flow/:id', async (ctx) => {
    const flow = await load(ctx, ['choose', 'sms_sent', 'face', 'verified', 'done']);
    // 改用短信验证码 from a face check: the SMS choice again (the flow moves on when a code is sent)
    await show(ctx, flow, flow.state === 'face' && ctx.query.way === 'sms' ? { state: 'choose' } : {});
  });

  router.post('/flow/:id/sms', async (ctx) => {
    const form = await guard(ctx);
    const flow = await load(ctx, ['choose', 'sms_sent', 'face']);
    const phone = await targetPhone(flow.accountId, openIdentity(secrets.cipher, flow.facts.identityEnvelope));
    try {
      await services.smsCodes.send({ purpose: 'recover', phoneE164: phone.e164, captchaId: field(form, 'captchaId', 64), captchaAnswer: field(form, 'captcha', 16), pow: field(form, 'pow', 4096), ip: st(ctx).ip, deliver: phone.real });
    } catch (err) {
      if (err instanceof ValidationError) return show(ctx, flow, { fieldErrors: { captcha: t(st(ctx).locale, err.code) } }, 400);
      if (err instanceof RateLimitedError) return show(ctx, flow, { error: t(st(ctx).locale, err.code, err.params) }, 429);
      throw err;
    }
    await services.flows.advance(recoveryFlow, flow, 'sms_sent');
    await services.audit.record({ event: 'recovery.sms_sent', outcome: 'info', subject: flow.accountId, ...context(ctx), details: { phone: flow.facts.maskedPhone } });
    seeOther(ctx, `/recover/flow/${flow.id}`);
  });

  router.post('/flow/:id/code', async (ctx) => {
    const form = await guard(ctx);
    const flow = await load(ctx, ['sms_sent']);
    const code = field(form, 'code', 12);
    const phone = await targetPhone(flow.accountId, openIdentity(secrets.cipher, flow.facts.identityEnvelope));
    const wording = { invalid: 'recover.code_invalid' } as const;
    const proven = await verifySmsCode(services.smsCodes, { purpose: 'recover', phoneE164: phone.e164, code }, wording);
    if (!proven.ok || !flow.accountId || !phone.real) {
      // A code "proven" for a stand-in number (no account) is told as a wrong code (no enumeration).
      const refusal = proven.ok ? smsCodeRefusal('invalid', wording) : proven;
      await services.audit.record({ event: 'recovery.sms_verified', outcome: 'failure', subject: flow.accountId, ...context(ctx) });
      return show(ctx, flow, { fieldErrors: { [refusal.field]: t(st(ctx).locale, refusal.message) } }, 400);
    }
    await services.flows.advance(recoveryFlow, flow, 'verified');
    seeOther(ctx, `/recover/flow/${flow.id}`);
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
