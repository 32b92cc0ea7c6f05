// 个人主页, 我的信息 (masked; the full document number after re-entering the password or an SMS code
// sent to the account's phone, each reveal audited with its method) and 修改密码.

import type Router from '@koa/router';
import type { Context } from 'koa';
import { certTypeLabelKeys, isCertType } from '../../domain/documents.js';
import { identityLevelLabelKeys, type IdentityLevel } from '../../domain/levels.js';
import { maskDocument, maskPhone } from '../../domain/masking.js';
import { AppError, ValidationError } from '../../errors/app-error.js';
import { field } from '../../http/body.js';
import { isUpstreamName } from '../../domain/sign-in-methods.js';
import { accountLockoutKey } from '../../services/lockout.js';
import type { RouteDeps } from '../../pages/deps.js';
import { accountGuard, centreOf, changeContext, eventLabel, formError, formatTime, msg, renderCentre } from '../../pages/account/context.js';
import { caseCategories, caseRowModel } from '../../pages/account/cases-view.js';
import { requestState } from '../../http/state.js';

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
const password = (form: Record<string, string>, name: string) => (typeof form[name] === 'string' ? (form[name] as string).slice(0, 128) : '');

export function profileRoutes(router: Router, deps: RouteDeps): void {
  const { services } = deps;
  const guard = accountGuard(deps);
  /** Checks the password again under the account's sign-in lockout (counted before it is checked). */
  const recheckPassword = (ctx: Context, value: string) => services.reauth.verify(centreOf(ctx).account.id, { method: 'pwd', password: value });
  /** Checks a reveal code sent to the account's phone (single use, attempts counted by the code store). */
  const recheckSmsCode = (ctx: Context, code: string) => services.reauth.verify(centreOf(ctx).account.id, { method: 'sms', purpose: 'reveal', code });

  router.get('/', async (ctx) => {
    const { account } = centreOf(ctx);
    const events = await services.accountCentre.activity(account.id, { limit: 10 });
    const summary = await services.cases.summary(account.id, 3);
    const next = nextLevel[account.level];
    renderCentre(ctx, deps, 'account/home.njk', 'home', {
      next: next ? { ...next, levelLabel: identityLevelLabelKeys[account.level === 'registered' ? 'real_name' : 'real_person'] } : undefined,
      caseGroups: caseCategories.map((c) => ({ id: c, label: `cases.category.${c}`, href: `/account/cases?status=${c}`, count: summary[c].count, items: summary[c].latest.map(caseRowModel) })),
      activity: events.map((e) => ({ at: formatTime(e.at), label: eventLabel(ctx, e.event), outcome: e.outcome, ip: e.ip ?? '' })),
    });
  });

  const showInfo = async (ctx: Context, extra: { revealed?: string; error?: string; fieldErrors?: Record<string, string>; notice?: string; codeSent?: boolean; status?: number } = {}) => {
    const { account } = centreOf(ctx);
    const canReveal = Boolean(account.documentNumber) && !extra.revealed;
    renderCentre(ctx, deps, 'account/info.njk', 'info', {
      certTypeLabel: account.certType && isCertType(account.certType) ? certTypeLabelKeys[account.certType] : undefined,
      documentMasked: account.documentNumber ? maskDocument(account.documentNumber) : undefined,
      revealed: extra.revealed,
      phoneMasked: account.phoneE164 ? maskPhone(account.phoneE164) : undefined,
      // The SMS way needs a phone; its captcha is only issued while the code is still to be sent.
      sms: canReveal && account.phoneE164 ? { codeSent: extra.codeSent === true, captcha: extra.codeSent ? undefined : await services.captcha.issue() } : undefined,
      proofs: account.proofs.map((p) => ({
        at: formatTime(p.createdAt),
        kind: proofKindKeys[p.kind] ?? p.kind,
        levelLabel: identityLevelLabelKeys[p.level],
        // an upstream's assertion names the upstream (江苏政务 …); the registry and face adapters are plumbing
        source: p.kind === 'upstream_assertion' && isUpstreamName(p.adapter) ? `account.upstream.${p.adapter}` : undefined,
      })),
      registeredAt: formatTime(account.createdAt),
      error: extra.error,
      notice: extra.notice,
      fieldErrors: extra.fieldErrors ?? {},
    }, extra.status);
  };
  router.get('/info', (ctx) => showInfo(ctx));

  /** 获取验证码 for the reveal: graphical captcha first, then the SMS service's per-number and per-IP limits. */
  router.post('/info/reveal/send', async (ctx) => {
    const form = await guard(ctx);
    const { account } = centreOf(ctx);
    try {
      if (!account.phoneE164 || !account.documentNumber) throw new AppError('account.info.no_phone', 400);
      await services.smsCodes.send({ purpose: 'reveal', phoneE164: account.phoneE164, captchaId: field(form, 'captchaId', 64), captchaAnswer: field(form, 'captcha', 16), pow: field(form, 'pow', 4096), ip: (requestState(ctx)).ip, deliver: true });
    } catch (err) {
      const shown = formError(ctx, err);
      if (!shown) throw err;
      return showInfo(ctx, shown.field ? { fieldErrors: { [shown.field]: shown.message }, status: shown.status } : { error: shown.message, status: shown.status });
    }
    await showInfo(ctx, { codeSent: true, notice: msg(ctx, 'account.phone.code_sent', { phone: maskPhone(account.phoneE164) }) });
  });

  /** The full number after the password (method pwd) or the SMS code just sent (method sms); both audited. */
  router.post('/info/reveal', async (ctx) => {
    const form = await guard(ctx);
    const { account } = centreOf(ctx);
    const method = form.method === 'sms' ? 'sms' : 'pwd';
    const audit = (outcome: 'success' | 'failure', details: Record<string, string>) =>
      services.audit.record({ event: 'account.document_revealed', outcome, subject: account.id, ...changeContext(ctx), details: { method, ...details } });
    try {
      if (method === 'pwd') await recheckPassword(ctx, password(form, 'password'));
      else await recheckSmsCode(ctx, field(form, 'code', 12));
    } catch (err) {
      const shown = formError(ctx, err);
      if (!shown) throw err;
      await audit('failure', { reason: method === 'pwd' ? 'password' : 'sms_code' });
      if (method === 'pwd') return showInfo(ctx, { error: shown.message, status: shown.status });
      // A wrong code may be tried again; an expired or exhausted one needs a new code.
      const again = err instanceof ValidationError && err.code === 'login.sms_invalid';
      return showInfo(ctx, again ? { fieldErrors: { code: shown.message }, codeSent: true, status: shown.status } : { error: shown.message, status: shown.status });
    }
    await audit('success', {});
    await showInfo(ctx, { ...(account.documentNumber ? { revealed: account.documentNumber } : {}) });
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
}
