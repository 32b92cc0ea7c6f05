// 个人主页, 我的信息 (masked; the full document number after re-entering the password, audited),
// 修改密码 and 更换手机号 (old phone's code, then the new phone's code, as a flow).

import type Router from '@koa/router';
import type { Context } from 'koa';
import { certTypeLabelKeys, isCertType } from '../../domain/documents.js';
import { identityLevelLabelKeys, type IdentityLevel } from '../../domain/levels.js';
import { maskDocument, maskPhone } from '../../domain/masking.js';
import { parseMobile } from '../../domain/phone.js';
import { AppError, ValidationError } from '../../errors/app-error.js';
import { field } from '../../http/body.js';
import { browserIdOf } from '../../http/csrf.js';
import type { RequestState } from '../../http/state.js';
import { FlowError, type Flow } from '../../flows/engine/store.js';
import { changePhoneFlow, type ChangePhoneFacts, type ChangePhoneState } from '../../flows/account-centre/states.js';
import type { RouteDeps } from '../deps.js';
import { accountGuard, centreOf, changeContext, eventLabel, formError, formatTime, msg, renderCentre } from './context.js';

const nextLevel: Record<IdentityLevel, { unlock: string; action: string; href: string } | undefined> = {
  registered: { unlock: 'account.home.unlock_real_name', action: 'account.home.go_real_name', href: '/account/profile/real-name' },
  real_name: { unlock: 'account.home.unlock_real_person', action: 'account.home.go_face', href: '/account/face' },
  real_person: undefined,
};
const proofKindKeys: Record<string, string> = {
  registry_match: 'account.info.proof.registry_match',
  face_match: 'account.info.proof.face_match',
  upstream_assertion: 'account.info.proof.upstream_assertion',
};
const phoneAad = 'flows.account-change-phone.phone';
const password = (form: Record<string, string>, name: string) => (typeof form[name] === 'string' ? (form[name] as string).slice(0, 128) : '');

export function profileRoutes(router: Router, deps: RouteDeps): void {
  const { services } = deps;
  const guard = accountGuard(deps);
  const lockKey = (accountId: string) => `account:${accountId}`;

  /** Checks the password again; failures count towards the sign-in lockout of the account. */
  const recheckPassword = async (ctx: Context, value: string): Promise<void> => {
    const { account } = centreOf(ctx);
    const status = await services.lockout.status(lockKey(account.id));
    if (status.locked) throw new AppError('signin.locked', 423, { until: formatTime(status.until) });
    if (value && (await services.accounts.verifyPassword(account.id, value))) {
      await services.lockout.reset(lockKey(account.id));
      return;
    }
    await services.lockout.recordFailure(lockKey(account.id));
    throw new ValidationError('account.password.current_wrong', 'current');
  };

  router.get('/', async (ctx) => {
    const { account } = centreOf(ctx);
    const events = await services.accountCentre.activity(account.id, { limit: 10 });
    const next = nextLevel[account.level];
    renderCentre(ctx, deps, 'account/home.njk', 'home', {
      next: next ? { ...next, levelLabel: identityLevelLabelKeys[account.level === 'registered' ? 'real_name' : 'real_person'] } : undefined,
      activity: events.map((e) => ({ at: formatTime(e.at), label: eventLabel(ctx, e.event), outcome: e.outcome, ip: e.ip ?? '' })),
    });
  });

  const showInfo = (ctx: Context, extra: { revealed?: string; error?: string; status?: number } = {}) => {
    const { account } = centreOf(ctx);
    renderCentre(ctx, deps, 'account/info.njk', 'info', {
      certTypeLabel: account.certType && isCertType(account.certType) ? certTypeLabelKeys[account.certType] : undefined,
      documentMasked: account.documentNumber ? maskDocument(account.documentNumber) : undefined,
      revealed: extra.revealed,
      phoneMasked: account.phoneE164 ? maskPhone(account.phoneE164) : undefined,
      proofs: account.proofs.map((p) => ({
        at: formatTime(p.createdAt),
        kind: proofKindKeys[p.kind] ?? p.kind,
        levelLabel: identityLevelLabelKeys[p.level],
        adapter: p.adapter,
      })),
      registeredAt: formatTime(account.createdAt),
      error: extra.error,
    }, extra.status);
  };
  router.get('/info', (ctx) => showInfo(ctx));
  router.post('/info/reveal', async (ctx) => {
    const form = await guard(ctx);
    const { account } = centreOf(ctx);
    try {
      await recheckPassword(ctx, password(form, 'password'));
    } catch (err) {
      const shown = formError(ctx, err);
      if (!shown) throw err;
      await services.audit.record({ event: 'account.document_revealed', outcome: 'failure', subject: account.id, ...changeContext(ctx), details: { reason: 'password' } });
      return showInfo(ctx, { error: shown.message, status: shown.status });
    }
    await services.audit.record({ event: 'account.document_revealed', outcome: 'success', subject: account.id, ...changeContext(ctx), details: { method: 'pwd' } });
    showInfo(ctx, { ...(account.documentNumber ? { revealed: account.documentNumber } : {}) });
  });

  const showPassword = (ctx: Context, extra: { error?: string; fieldErrors?: Record<string, string>; notice?: string; status?: number } = {}) =>
    renderCentre(ctx, deps, 'account/password.njk', 'password', { error: extra.error, fieldErrors: extra.fieldErrors ?? {}, notice: extra.notice }, extra.status);
  router.get('/password', (ctx) => showPassword(ctx));
  router.post('/password', async (ctx) => {
    const form = await guard(ctx);
    const { account } = centreOf(ctx);
    const next = password(form, 'password');
    try {
      await recheckPassword(ctx, password(form, 'current'));
      if (next !== password(form, 'confirmPassword')) throw new ValidationError('register.password_mismatch', 'confirmPassword');
      await services.accounts.setPassword(account.id, next, changeContext(ctx));
    } catch (err) {
      const shown = formError(ctx, err);
      if (!shown) throw err;
      return showPassword(ctx, shown.field ? { fieldErrors: { [shown.field]: shown.message }, status: shown.status } : { error: shown.message, status: shown.status });
    }
    showPassword(ctx, { notice: msg(ctx, 'account.password.changed') });
  });

  // 更换手机号
  type PhoneFlow = Flow<ChangePhoneState, ChangePhoneFacts>;
  const showPhone = async (ctx: Context, extra: { flow?: PhoneFlow; error?: string; fieldErrors?: Record<string, string>; notice?: string; done?: boolean; status?: number; phone?: string } = {}) => {
    const { account } = centreOf(ctx);
    renderCentre(ctx, deps, 'account/phone.njk', 'phone', {
      currentMasked: account.phoneE164 ? maskPhone(account.phoneE164) : undefined,
      step: extra.done ? 'done' : (extra.flow?.state ?? 'start'),
      flowId: extra.flow?.id ?? '',
      maskedNewPhone: extra.flow?.facts.maskedNewPhone,
      captcha: await services.captcha.issue(),
      values: { phone: extra.phone ?? '' },
      error: extra.error,
      fieldErrors: extra.fieldErrors ?? {},
      notice: extra.notice,
    }, extra.status);
  };
  router.get('/phone', (ctx) => showPhone(ctx));
  router.post('/phone', async (ctx) => {
    const form = await guard(ctx);
    const { account } = centreOf(ctx);
    const state = ctx.state as RequestState;
    const action = field(form, 'action', 20);
    const newPhone = field(form, 'phone', 32);
    let flow: PhoneFlow | undefined;
    const loadFlow = async (expected: ChangePhoneState[]) => {
      const loaded = await services.flows.load<ChangePhoneState, ChangePhoneFacts>(changePhoneFlow, field(form, 'flow', 64), browserIdOf(ctx), expected);
      if (loaded.accountId !== account.id) throw new FlowError('not_found');
      flow = loaded;
      return loaded;
    };
    const send = (phoneE164: string) =>
      services.smsCodes.send({ purpose: 'change_phone', phoneE164, captchaId: field(form, 'captchaId', 64), captchaAnswer: field(form, 'captcha', 16), ip: state.ip, deliver: true });
    const verify = async (phoneE164: string) => {
      const code = field(form, 'code', 12);
      if (!/^\d{6}$/.test(code)) throw new ValidationError('form.invalid_code_format', 'code');
      const outcome = await services.smsCodes.verify({ purpose: 'change_phone', phoneE164, code });
      if (outcome !== 'ok') throw new ValidationError(outcome === 'exhausted' ? 'login.sms_exhausted' : outcome === 'expired' ? 'login.sms_expired' : 'login.sms_invalid', 'code');
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
        flow = await services.flows.advance(changePhoneFlow, loaded, 'old_verified');
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
        await services.accountCentre.changePhone(account.id, target, account.phoneE164, changeContext(ctx));
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

  // Level upgrades are the assurance flows' pages (基本信息修改, 人脸识别); linking new upstream
  // accounts comes with federated sign-in. Until those routes exist, say so honestly.
  router.get('/link/:upstream', (ctx) => {
    renderCentre(ctx, deps, 'account/not-yet.njk', 'links', { titleKey: 'account.links.link_soon' }, 501);
  });
}
