// 更换手机号 as a flow: prove the holder with the old phone's SMS code, or with a face check of the
// account's own identity (only for 实名 / 实人 accounts: the check needs a registry-matched name and
// document), then verify the new phone's code; the audit record says which way was used.

import type Router from '@koa/router';
import type { Context } from 'koa';
import { levelRank } from '../../domain/levels.js';
import { maskPhone } from '../../domain/masking.js';
import { parseMobile } from '../../domain/phone.js';
import { AppError, ValidationError } from '../../errors/app-error.js';
import { field } from '../../http/body.js';
import { browserIdOf } from '../../http/csrf.js';
import { FlowError, type Flow } from '../../flows/engine/store.js';
import { changePhoneFlow, type ChangePhoneFacts, type ChangePhoneState } from '../../flows/account-centre/states.js';
import { verifySmsCode } from '../../flows/steps/sms-code.js';
import type { RouteDeps } from '../../pages/deps.js';
import { faceStepRoutes, type FaceView } from '../../pages/face-step.js';
import { accountGuard, centreOf, changeContext, formError, msg, renderCentre } from '../../pages/account/context.js';
import { seeOther } from '../../http/redirect.js';
import { requestState } from '../../http/state.js';

const phoneAad = 'flows.account-change-phone.phone';
type PhoneFlow = Flow<ChangePhoneState, ChangePhoneFacts>;

export function phoneRoutes(router: Router, deps: RouteDeps): void {
  const { services } = deps;
  const guard = accountGuard(deps);

  /** Whether the face way is offered to the signed-in account, or why not (an i18n key; undefined when no verifier is configured). */
  const faceOption = async (ctx: Context): Promise<{ offered: true } | { offered: false; reason?: string }> => {
    const { account } = centreOf(ctx);
    if (!services.assurance.faceAvailable) return { offered: false };
    if (levelRank(account.level) < levelRank('real_name') || !(await services.assurance.identityOf(account.id))) {
      return { offered: false, reason: 'account.phone.face_needs_real_name' };
    }
    return { offered: true };
  };

  const loadOwn = async (ctx: Context, id: string, expected: readonly ChangePhoneState[]): Promise<PhoneFlow> => {
    const flow = await services.flows.load<ChangePhoneState, ChangePhoneFacts>(changePhoneFlow, id.slice(0, 64), browserIdOf(ctx), expected);
    if (flow.accountId !== centreOf(ctx).account.id) throw new FlowError('not_found');
    return flow;
  };

  const showPhone = async (ctx: Context, extra: { flow?: PhoneFlow; error?: string; fieldErrors?: Record<string, string>; notice?: string; done?: boolean; status?: number; phone?: string } = {}): Promise<void> => {
    const { account } = centreOf(ctx);
    const step = extra.done ? 'done' : (extra.flow?.state ?? 'start');
    const face: FaceView | undefined = extra.flow ? await faceStep.view(extra.flow) : undefined;
    renderCentre(ctx, deps, 'account/phone.njk', 'phone', {
      currentMasked: account.phoneE164 ? maskPhone(account.phoneE164) : undefined,
      step,
      flowId: extra.flow?.id ?? '',
      maskedNewPhone: extra.flow?.facts.maskedNewPhone,
      verifiedByFace: extra.flow?.facts.verifiedBy === 'face',
      faceOption: step === 'start' ? await faceOption(ctx) : undefined,
      face,
      captcha: step === 'face' ? undefined : await services.captcha.issue(),
      values: { phone: extra.phone ?? '' },
      error: extra.error,
      fieldErrors: extra.fieldErrors ?? {},
      notice: extra.notice,
    }, extra.status);
  };

  router.get('/phone', async (ctx) => {
    const id = typeof ctx.query.flow === 'string' ? ctx.query.flow : '';
    if (!id) return showPhone(ctx);
    try {
      return await showPhone(ctx, { flow: await loadOwn(ctx, id, ['face', 'old_verified', 'new_code_sent']) });
    } catch (err) {
      if (!(err instanceof FlowError)) throw err;
      return showPhone(ctx, { error: msg(ctx, err.code), status: err.status });
    }
  });

  // 人脸识别验证 instead of the old phone's code: a check of the account's own identity.
  const faceStep = faceStepRoutes<ChangePhoneState, ChangePhoneFacts>(router, deps, {
    flow: changePhoneFlow,
    state: 'face',
    paths: { start: '/phone/face', status: '/phone/face/status', continue: '/phone/face/continue' },
    urls: (flow) => ({ status: `/account/phone/face/status?flow=${flow.id}`, continue: '/account/phone/face/continue', retry: '/account/phone/face' }),
    load: (ctx, states, form) => loadOwn(ctx, form.flow ?? (typeof ctx.query.flow === 'string' ? ctx.query.flow : ''), states),
    begin: async (ctx, form) => {
      if (form.flow) return loadOwn(ctx, form.flow, ['face']);
      const option = await faceOption(ctx);
      if (!option.offered) {
        await showPhone(ctx, { error: msg(ctx, option.reason ?? 'face.unavailable'), status: option.reason ? 403 : 503 });
        return undefined;
      }
      return services.flows.start<ChangePhoneState, ChangePhoneFacts>(changePhoneFlow, browserIdOf(ctx), { facts: {}, accountId: centreOf(ctx).account.id, state: 'face' });
    },
    identity: (ctx) => services.assurance.identityOf(centreOf(ctx).account.id),
    alternatives: () => [{ href: '/account/phone', label: 'face.alt_phone_sms' }],
    show: (ctx, flow, error, status) => showPhone(ctx, { flow, error, status }),
    pageUrl: (flow) => `/account/phone?flow=${flow.id}`,
    settled: async (ctx, flow, result) => {
      if (result === 'pending') return;
      await services.audit.record({ event: 'account.phone_face_check', outcome: result === 'passed' ? 'success' : 'failure', subject: centreOf(ctx).account.id, ...changeContext(ctx), details: { certifyId: flow.facts.certifyId } });
    },
    passed: async (ctx, flow) => {
      const verified = await services.flows.advance(changePhoneFlow, flow, 'old_verified', { verifiedBy: 'face', certifyUrl: undefined });
      seeOther(ctx, `/account/phone?flow=${verified.id}`);
    },
  });

  router.post('/phone', async (ctx) => {
    const form = await guard(ctx);
    const { account } = centreOf(ctx);
    const state = requestState(ctx);
    const action = field(form, 'action', 20);
    const newPhone = field(form, 'phone', 32);
    let flow: PhoneFlow | undefined;
    const loadFlow = async (expected: ChangePhoneState[]) => {
      const loaded = await loadOwn(ctx, field(form, 'flow', 64), expected);
      flow = loaded;
      return loaded;
    };
    const send = (phoneE164: string) =>
      services.smsCodes.send({ purpose: 'change_phone', phoneE164, captchaId: field(form, 'captchaId', 64), captchaAnswer: field(form, 'captcha', 16), pow: field(form, 'pow', 4096), ip: state.ip, deliver: true });
    const verify = async (phoneE164: string) => {
      const code = field(form, 'code', 12);
      const proven = await verifySmsCode(services.smsCodes, { purpose: 'change_phone', phoneE164, code }, { malformed: 'form.invalid_code_format' });
      if (!proven.ok) throw new ValidationError(proven.message, proven.field);
    };
    try {
      if (action === 'send_old') {
        if (!account.phoneE164) {
          const started = await services.flows.start<ChangePhoneState, ChangePhoneFacts>(changePhoneFlow, browserIdOf(ctx), { facts: {}, accountId: account.id });
          flow = await services.flows.advance(changePhoneFlow, started, 'old_verified');
          return await showPhone(ctx, { flow });
        }
        await send(account.phoneE164);
        flow = await services.flows.start<ChangePhoneState, ChangePhoneFacts>(changePhoneFlow, browserIdOf(ctx), { facts: {}, accountId: account.id });
        return await showPhone(ctx, { flow, notice: msg(ctx, 'account.phone.code_sent', { phone: maskPhone(account.phoneE164) }) });
      }
      if (action === 'verify_old') {
        const loaded = await loadFlow(['old_code_sent']);
        await verify(account.phoneE164 ?? '');
        flow = await services.flows.advance(changePhoneFlow, loaded, 'old_verified', { verifiedBy: 'sms' });
        return await showPhone(ctx, { flow });
      }
      if (action === 'send_new') {
        const loaded = await loadFlow(['old_verified', 'new_code_sent']);
        const parsed = parseMobile(newPhone);
        if (!parsed.ok) throw new ValidationError(parsed.code, 'phone');
        if (parsed.e164 === account.phoneE164) throw new ValidationError('account.phone.same', 'phone');
        if (await services.accounts.phoneTaken(parsed.e164)) {
          if (!(await services.captcha.verify(field(form, 'captchaId', 64), field(form, 'captcha', 16)))) throw new ValidationError('captcha.invalid', 'captcha');
          throw new ValidationError('account.phone.taken', 'phone');
        }
        await send(parsed.e164);
        flow = await services.flows.advance(changePhoneFlow, loaded, 'new_code_sent', {
          newPhoneEnvelope: deps.secrets.cipher.encrypt(parsed.e164, phoneAad),
          maskedNewPhone: maskPhone(parsed.e164),
        });
        return await showPhone(ctx, { flow, notice: msg(ctx, 'account.phone.code_sent', { phone: maskPhone(parsed.e164) }) });
      }
      if (action === 'verify_new') {
        const loaded = await loadFlow(['new_code_sent']);
        const target = deps.secrets.cipher.decrypt(loaded.facts.newPhoneEnvelope ?? '', phoneAad);
        await verify(target);
        await services.accountCentre.changePhone(account.id, target, account.phoneE164, changeContext(ctx), loaded.facts.verifiedBy ?? 'none');
        await services.flows.advance(changePhoneFlow, loaded, 'done');
        centreOf(ctx).account = { ...account, phoneE164: target };
        return await showPhone(ctx, { done: true, notice: msg(ctx, 'account.phone.changed', { phone: maskPhone(target) }) });
      }
      throw new AppError('errors.bad_request', 400);
    } catch (err) {
      const shown = formError(ctx, err);
      if (!shown) throw err;
      if (err instanceof FlowError) flow = undefined;
      const extra = shown.field ? { fieldErrors: { [shown.field]: shown.message } } : { error: shown.message };
      return showPhone(ctx, { ...(flow ? { flow } : {}), ...extra, phone: newPhone, status: shown.status });
    }
  });
}
