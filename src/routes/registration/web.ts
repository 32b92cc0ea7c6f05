// 注册 pages: /register (standalone) and /interaction/:uid/register (from a relying party, which the
// citizen returns to signed in). One form: identity fields → 获取验证码 → code, password, consents → 注册.

import Router from '@koa/router';
import type { Context } from 'koa';
import { certTypes } from '../../domain/documents.js';
import { identityLevelLabelKeys } from '../../domain/levels.js';
import { RateLimitedError } from '../../errors/app-error.js';
import { field } from '../../http/body.js';
import { browserIdOf } from '../../http/csrf.js';
import { render } from '../../http/views.js';
import { t } from '../../i18n/index.js';
import { FlowError } from '../../flows/engine/store.js';
import { registrationFlow, type RegistrationFacts, type RegistrationState } from '../../flows/registration/states.js';
import { completeRegistration, FieldErrorsError, sendRegistrationCode, type FieldErrors } from '../../flows/registration/steps.js';
import { formGuardFor, type RouteDeps } from '../../pages/deps.js';
import { accountSession } from '../../pages/account/session.js';
import { loadInteraction } from '../../pages/interaction/details.js';
import { finishLogin } from '../../pages/interaction/finish.js';
import { seeOther } from '../../http/redirect.js';
import { requestState } from '../../http/state.js';

interface PageState {
  values: Record<string, string>;
  fieldErrors?: FieldErrors;
  error?: string;
  notice?: string;
  flowId?: string;
  codeSent?: boolean;
  maskedPhone?: string;
  appeal?: 'document' | 'phone' | 'family';
  status?: number;
}

export function registrationRoutes(deps: RouteDeps): Router {
  const router = new Router();
  const { services, views } = deps;
  const guard = formGuardFor(deps);
  const stepDeps = { services, blindIndex: deps.secrets.blindIndex, clock: deps.clock };
  const locale = (ctx: Context) => (requestState(ctx)).locale;
  const centre = accountSession(deps);
  // the version of the texts the consent boxes agree to (config/policies.json): the one a new account records
  const policyVersion = services.policies.version;

  const showForm = async (ctx: Context, uid: string | undefined, page: PageState) => {
    const tr = (code: string | undefined, params: Record<string, string | number> = {}) => (code ? t(locale(ctx), code, params) : undefined);
    const base = uid ? `/interaction/${uid}/register` : '/register';
    render(
      ctx,
      views,
      'registration/register.njk',
      {
        values: page.values,
        fieldErrors: Object.fromEntries(Object.entries(page.fieldErrors ?? {}).map(([k, v]) => [k, tr(v)])),
        error: page.error,
        notice: page.notice,
        flowId: page.flowId ?? '',
        codeSent: page.codeSent ?? false,
        maskedPhone: page.maskedPhone,
        captcha: await services.captcha.issue(),
        certTypeOptions: certTypes.map((c) => ({ value: c, label: t(locale(ctx), `documents.cert_type.${c}`) })),
        // A number already in use: most often the citizen's own forgotten account, so 登录 and
        // 忘记密码 come first and the appeal (a face check that takes the number over) last, with its effect.
        conflict: page.appeal
          ? {
              own: page.appeal !== 'family',
              login: uid ? `/interaction/${uid}` : '/account',
              recover: uid ? `/recover?interaction=${uid}` : '/recover',
              appeal: `/appeal?type=${page.appeal}`,
              label: page.appeal === 'document' ? 'register.appeal_document' : page.appeal === 'family' ? 'account.family.appeal_label' : 'register.appeal_phone',
              effect: `register.conflict_effect_${page.appeal}`,
            }
          : undefined,
        actions: { submit: base },
        policyVersion: policyVersion,
        links: { login: uid ? `/interaction/${uid}` : undefined },
      },
      page.status,
    );
  };

  const get = async (ctx: Context, uid: string | undefined) => {
    if (uid) await loadInteraction(ctx, deps.oidc.provider, uid);
    await showForm(ctx, uid, { values: { certType: '01' } });
  };

  const post = async (ctx: Context, uid: string | undefined) => {
    const form = await guard(ctx);
    const details = uid ? await loadInteraction(ctx, deps.oidc.provider, uid) : undefined;
    const state = requestState(ctx);
    const values = {
      certType: field(form, 'certType', 4),
      documentNumber: field(form, 'documentNumber', 64),
      name: field(form, 'name', 64),
      phone: field(form, 'phone', 32),
      agreePrivacy: form.agreePrivacy === 'yes' ? 'yes' : '',
      agreeDocument: form.agreeDocument === 'yes' ? 'yes' : '',
    };
    try {
      if (form.action === 'register') {
        const flow = await services.flows.load<RegistrationState, RegistrationFacts>(registrationFlow, field(form, 'flow', 64), browserIdOf(ctx), ['code_sent']);
        try {
          const result = await completeRegistration(stepDeps, flow, {
            ...values,
            code: field(form, 'code', 12),
            password: typeof form.password === 'string' ? form.password.slice(0, 128) : '',
            confirmPassword: typeof form.confirmPassword === 'string' ? form.confirmPassword.slice(0, 128) : '',
            agreePrivacy: values.agreePrivacy === 'yes',
            agreeDocument: values.agreeDocument === 'yes',
            channel: 'web',
            ip: state.ip,
            requestId: state.requestId,
          });
          await services.flows.advance(registrationFlow, flow, 'completed', { accountId: result.accountId }, { accountId: result.accountId });
          if (details) {
            await finishLogin(ctx, { provider: deps.oidc.provider, accounts: services.accounts, audit: services.audit }, details, result.accountId, ['pwd', 'sms']);
            return;
          }
          render(ctx, views, 'registration/done.njk', { levelLabel: identityLevelLabelKeys[result.level], registryUnavailable: result.registry === 'unavailable', flowId: flow.id }, 201);
        } catch (err) {
          if (err instanceof FieldErrorsError) {
            // the SMS code stays filled in after an error about another field, while it is unspent
            const kept = err.fields.code || err.codeSpent ? values : { ...values, code: field(form, 'code', 12) };
            await showForm(ctx, uid, { values: kept, fieldErrors: err.fields, flowId: flow.id, codeSent: true, maskedPhone: flow.facts.maskedPhone, ...(err.appeal ? { appeal: err.appeal } : {}), status: err.status });
            return;
          }
          throw err;
        }
        return;
      }
      const sent = await sendRegistrationCode(stepDeps, { ...values, captchaId: field(form, 'captchaId', 64), captchaAnswer: field(form, 'captcha', 16), pow: field(form, 'pow', 4096), ip: state.ip });
      const flow = await services.flows.start(registrationFlow, browserIdOf(ctx), { facts: sent.facts, interactionUid: uid ?? null });
      await showForm(ctx, uid, { values, flowId: flow.id, codeSent: true, maskedPhone: sent.facts.maskedPhone, notice: t(locale(ctx), 'login.sms_sent') });
    } catch (err) {
      if (err instanceof FieldErrorsError) {
        await showForm(ctx, uid, { values, fieldErrors: err.fields, ...(err.appeal ? { appeal: err.appeal } : {}), status: err.status });
        return;
      }
      if (err instanceof RateLimitedError) {
        await showForm(ctx, uid, { values, error: t(locale(ctx), err.code, err.params), status: 429 });
        return;
      }
      if (err instanceof FlowError) {
        await showForm(ctx, uid, { values, error: t(locale(ctx), err.code), status: 400 });
        return;
      }
      throw err;
    }
  };

  /**
   * 进入个人用户中心 after /register: the SMS code just proved the phone and the password was set,
   * so the completed flow (this browser's, within its lifetime) opens a centre session once.
   */
  router.post('/register/continue', async (ctx) => {
    const form = await guard(ctx);
    try {
      const flow = await services.flows.load<RegistrationState, RegistrationFacts>(registrationFlow, field(form, 'flow', 64), browserIdOf(ctx), ['completed']);
      const accountId = flow.accountId ?? flow.facts.accountId;
      if (!accountId || flow.interactionUid) throw new FlowError('out_of_order');
      await services.flows.advance(registrationFlow, flow, 'signed_in', {}, { accountId });
      const state = requestState(ctx);
      await services.audit.record({ event: 'signin.success', outcome: 'success', subject: accountId, ip: state.ip, requestId: state.requestId, details: { amr: ['pwd', 'sms'], via: 'registration' } });
      await centre.openSession(ctx, accountId);
    } catch (err) {
      if (!(err instanceof FlowError)) throw err;
      // an old or replayed button: the ordinary sign-in
      seeOther(ctx, '/account');
    }
  });
  router.get('/register', (ctx) => get(ctx, undefined));
  router.post('/register', (ctx) => post(ctx, undefined));
  router.get('/interaction/:uid/register', (ctx) => get(ctx, (ctx.params as { uid: string }).uid));
  router.post('/interaction/:uid/register', (ctx) => post(ctx, (ctx.params as { uid: string }).uid));
  return router;
}
