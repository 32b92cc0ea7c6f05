// /appeal — 用户申诉: identify, prove it with a face check of that identity (asked server-side),
// then: take over the account registered with the document (证件号码被占用), reclaim a phone by
// SMS (移动电话被占用), or remove the family binding of the document (亲情号解绑). A failed face
// check ends with nothing changed; every outcome is audited. The account of the proven document
// must match its certificate type as well as its number.

import Router from '@koa/router';
import type { Context } from 'koa';
import { maskPhone } from '../../domain/masking.js';
import { parseMobile } from '../../domain/phone.js';
import { NotFoundError, RateLimitedError, ValidationError } from '../../errors/app-error.js';
import { field } from '../../http/body.js';
import { browserIdOf } from '../../http/csrf.js';
import { render } from '../../http/views.js';
import { t } from '../../i18n/index.js';
import { FlowError, type Flow } from '../../flows/engine/store.js';
import { appealFlow, appealTypes, type AppealFacts, type AppealState, type AppealType } from '../../flows/appeal/states.js';
import { verifySmsCode } from '../../flows/steps/sms-code.js';
import { formGuardFor, type RouteDeps } from '../../pages/deps.js';
import { faceStepRoutes } from '../../pages/face-step.js';
import { certTypeOptions, openIdentity, parseIdentityForm, sealIdentity, translateErrors } from '../../pages/identity-form.js';
import { seeOther } from '../../http/redirect.js';
import { requestState } from '../../http/state.js';

type AppealFlow = Flow<AppealState, AppealFacts>;
const phoneAad = 'flows.appeal.phone';

export function appealRoutes(deps: RouteDeps): Router {
  const router = new Router({ prefix: '/appeal' });
  const { services, views, secrets } = deps;
  const guard = formGuardFor(deps);
  const st = (ctx: Context) => requestState(ctx);
  const context = (ctx: Context) => ({ ip: st(ctx).ip, requestId: st(ctx).requestId });

  const page = async (ctx: Context, model: Record<string, unknown>, status?: number) => {
    const locale = st(ctx).locale;
    render(
      ctx,
      views,
      'appeal/appeal.njk',
      {
        values: { certType: '01', type: typeof ctx.query.type === 'string' ? ctx.query.type : 'document' },
        fieldErrors: {},
        certTypeOptions: certTypeOptions(locale),
        typeOptions: appealTypes.map((type) => ({ value: type, label: t(locale, `appeal.type.${type}`) })),
        ...model,
      },
      status,
    );
  };

  /** The page of a flow: the face step, then what its appeal type needs. */
  const show = async (ctx: Context, flow: AppealFlow, extra: Record<string, unknown> = {}, status?: number) => {
    const base = `/appeal/flow/${flow.id}`;
    let view = flow.state as string;
    if (flow.state === 'verified') view = flow.facts.type === 'phone' ? 'phone' : 'takeover';
    const needsCaptcha = view === 'phone' || view === 'phone_code';
    await page(ctx, { state: view, base, face: await face.view(flow), typeLabel: `appeal.type.${flow.facts.type}`, maskedPhone: flow.facts.maskedPhone, captcha: needsCaptcha ? await services.captcha.issue() : undefined, ...extra }, status);
  };

  const load = (ctx: Context, states: readonly AppealState[]) =>
    services.flows.load<AppealState, AppealFacts>(appealFlow, (ctx.params as { id: string }).id, browserIdOf(ctx), states);

  router.get('/', async (ctx) => page(ctx, { state: 'identify' }));

  router.post('/', async (ctx) => {
    const form = await guard(ctx);
    const type = field(form, 'type', 16) as AppealType;
    const parsed = parseIdentityForm(form, deps.clock.now());
    const errors = { ...parsed.errors, ...(appealTypes.includes(type) ? {} : { type: 'errors.bad_request' }) };
    if (!parsed.identity || Object.keys(errors).length > 0) {
      await page(ctx, { state: 'identify', values: { ...parsed.values, type }, fieldErrors: translateErrors(st(ctx).locale, errors) }, 400);
      return;
    }
    const flow = await services.flows.start(appealFlow, browserIdOf(ctx), { facts: { type, identityEnvelope: sealIdentity(secrets.cipher, parsed.identity) } });
    await services.audit.record({ event: 'appeal.started', outcome: 'info', ...context(ctx), details: { type } });
    seeOther(ctx, `/appeal/flow/${flow.id}`);
  });

  router.get('/flow/:id', async (ctx) => show(ctx, await load(ctx, ['face', 'verified', 'phone_code'])));

  // The face check of the identity the appeal names; every result is audited, a failure changes nothing.
  const face = faceStepRoutes<AppealState, AppealFacts>(router, deps, {
    flow: appealFlow,
    state: 'face',
    paths: { start: '/flow/:id/face', status: '/flow/:id/face/status', continue: '/flow/:id/face/continue' },
    urls: (flow) => ({ status: `/appeal/flow/${flow.id}/face/status`, continue: `/appeal/flow/${flow.id}/face/continue`, retry: `/appeal/flow/${flow.id}/face` }),
    load: (ctx, states) => load(ctx, states),
    begin: (ctx) => load(ctx, ['face']),
    identity: async (_ctx, flow) => openIdentity(secrets.cipher, flow.facts.identityEnvelope),
    show: (ctx, flow, error, status) => show(ctx, flow, { error }, status),
    pageUrl: (flow) => `/appeal/flow/${flow.id}`,
    settled: async (ctx, flow, result) => {
      await services.audit.record({ event: 'appeal.face_check', outcome: result === 'passed' ? 'success' : 'failure', ...context(ctx), details: { type: flow.facts.type, result } });
    },
    passed: async (ctx, flow) => {
      const verified = await services.flows.advance(appealFlow, flow, 'verified', { certifyUrl: undefined });
      if (verified.facts.type === 'family') {
        const identity = openIdentity(secrets.cipher, verified.facts.identityEnvelope);
        const binder = await services.recovery.releaseFamilyBinding(identity.idNumber, context(ctx));
        await services.flows.advance(appealFlow, verified, 'done');
        return page(ctx, { state: 'done', doneMessage: binder ? 'appeal.done_family' : 'appeal.done_family_none', registerLink: true });
      }
      if (verified.facts.type === 'document') {
        const identity = openIdentity(secrets.cipher, verified.facts.identityEnvelope);
        if (!(await services.recovery.holderOf(identity))) {
          // The same number under another certificate type is another person's account: not taken over.
          const otherType = (await services.accounts.findAccountIdByDocument(identity.idNumber)) !== undefined;
          await services.flows.advance(appealFlow, verified, 'done');
          return page(ctx, otherType ? { state: 'done', doneMessage: 'appeal.done_other_cert_type' } : { state: 'done', doneMessage: 'appeal.done_no_account', registerLink: true });
        }
      }
      seeOther(ctx, `/appeal/flow/${flow.id}`);
    },
  });

  router.post('/flow/:id/takeover', async (ctx) => {
    const form = await guard(ctx);
    const flow = await load(ctx, ['verified']);
    if (flow.facts.type !== 'document') throw new FlowError('out_of_order');
    const password = typeof form.password === 'string' ? form.password.slice(0, 128) : '';
    if (password !== form.confirmPassword) return show(ctx, flow, { fieldErrors: { confirmPassword: t(st(ctx).locale, 'register.password_mismatch') } }, 400);
    const identity = openIdentity(secrets.cipher, flow.facts.identityEnvelope);
    let accountId: string;
    try {
      accountId = await services.recovery.takeOver(identity, password, { actor: `appeal:${flow.id}`, ...context(ctx) });
    } catch (err) {
      if (err instanceof ValidationError) return show(ctx, flow, { fieldErrors: { password: t(st(ctx).locale, err.code) } }, 400);
      if (err instanceof NotFoundError) throw new FlowError('out_of_order'); // no account of this type and number
      throw err;
    }
    await services.flows.advance(appealFlow, flow, 'done', {}, { accountId });
    await page(ctx, { state: 'done', doneMessage: 'appeal.done_takeover' });
  });

  router.post('/flow/:id/phone', async (ctx) => {
    const form = await guard(ctx);
    const flow = await load(ctx, ['verified', 'phone_code']);
    if (flow.facts.type !== 'phone') throw new FlowError('out_of_order');
    const raw = field(form, 'phone', 32);
    const phone = parseMobile(raw);
    if (!phone.ok) return show(ctx, flow, { values: { phone: raw }, fieldErrors: { phone: t(st(ctx).locale, phone.code) } }, 400);
    try {
      await services.smsCodes.send({ purpose: 'appeal', phoneE164: phone.e164, captchaId: field(form, 'captchaId', 64), captchaAnswer: field(form, 'captcha', 16), pow: field(form, 'pow', 4096), ip: st(ctx).ip, deliver: true });
    } catch (err) {
      if (err instanceof ValidationError) return show(ctx, flow, { values: { phone: raw }, fieldErrors: { captcha: t(st(ctx).locale, err.code) } }, 400);
      if (err instanceof RateLimitedError) return show(ctx, flow, { values: { phone: raw }, error: t(st(ctx).locale, err.code, err.params) }, 429);
      throw err;
    }
    await services.flows.advance(appealFlow, flow, 'phone_code', { phoneEnvelope: secrets.cipher.encrypt(phone.e164, phoneAad), maskedPhone: maskPhone(phone.e164) });
    seeOther(ctx, `/appeal/flow/${flow.id}`);
  });

  router.post('/flow/:id/phone/verify', async (ctx) => {
    const form = await guard(ctx);
    const flow = await load(ctx, ['phone_code']);
    if (!flow.facts.phoneEnvelope) throw new FlowError('out_of_order');
    const phoneE164 = secrets.cipher.decrypt(flow.facts.phoneEnvelope, phoneAad);
    const code = field(form, 'code', 12);
    const proven = await verifySmsCode(services.smsCodes, { purpose: 'appeal', phoneE164, code });
    if (!proven.ok) return show(ctx, flow, { fieldErrors: { [proven.field]: t(st(ctx).locale, proven.message) } }, 400);
    const identity = openIdentity(secrets.cipher, flow.facts.identityEnvelope);
    const own = await services.recovery.holderOf(identity);
    await services.recovery.reclaimPhone(phoneE164, own, { actor: `appeal:${flow.id}`, ...context(ctx) });
    await services.flows.advance(appealFlow, flow, 'done', {}, { accountId: own ?? null });
    await page(ctx, { state: 'done', doneMessage: own ? 'appeal.done_phone' : 'appeal.done_phone_register', registerLink: !own });
  });

  return router;
}
