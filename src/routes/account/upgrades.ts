// Level upgrades from the user centre: 基本信息修改 (注册用户 → 实名用户 only: name and document checked
// with the population registry after re-authentication and a captcha; fixed once matched) and
// 人脸识别 (实名用户 → 实人用户: a face check of the account's own identity, asked server-side).

import type Router from '@koa/router';
import type { Context } from 'koa';
import { isCertType } from '../../domain/documents.js';
import { ValidationError } from '../../errors/app-error.js';
import { FlowError } from '../../flows/engine/store.js';
import { field } from '../../http/body.js';
import { browserIdOf } from '../../http/csrf.js';
import { accountFaceFlow, type AccountFaceFacts, type AccountFaceState } from '../../flows/account-centre/face.js';
import { smsCodeNeedsResend } from '../../flows/steps/sms-code.js';
import { ConflictError } from '../../services/accounts.js';
import type { RouteDeps } from '../../pages/deps.js';
import { faceStepRoutes } from '../../pages/face-step.js';
import { certTypeOptions } from '../../pages/identity-form.js';
import { reauthBlock, reauthProofFrom, requestedMethod, sendReauthCodeForPage } from '../../pages/reauth-block.js';
import { accountGuard, centreOf, changeContext, formError, localeOf, renderCentre } from '../../pages/account/context.js';
import { seeOther } from '../../http/redirect.js';

export function upgradeRoutes(router: Router, deps: RouteDeps): void {
  const { services } = deps;
  const guard = accountGuard(deps);

  /** 基本信息修改: the form while no registry match holds, else why it cannot be changed online. */
  const realNamePage = async (
    ctx: Context,
    extra: { values?: Record<string, string>; fieldErrors?: Record<string, string>; error?: string; notice?: string; conflictAppeal?: boolean; codeSent?: boolean; method?: 'pwd' | 'sms' } = {},
    status?: number,
  ) => {
    const { account } = centreOf(ctx);
    if (!(await services.assurance.canCorrectRealName(account.id))) {
      return renderCentre(ctx, deps, 'account/upgrade.njk', 'info', { titleKey: 'stepup.real_name_title', step: 'real_name_locked', error: extra.error }, status ?? (ctx.method === 'GET' ? 200 : 403));
    }
    const reauth = await reauthBlock(deps, account.id, { method: extra.method ?? requestedMethod(ctx), codeSent: extra.codeSent === true, sendAction: '/account/profile/real-name/send', pageUrl: '/account/profile/real-name' });
    return renderCentre(ctx, deps, 'account/upgrade.njk', 'info', {
      titleKey: 'stepup.real_name_title',
      step: 'real_name',
      certTypeOptions: certTypeOptions(localeOf(ctx)),
      values: { certType: account.certType ?? '01', ...extra.values },
      fieldErrors: extra.fieldErrors ?? {},
      error: extra.error,
      notice: extra.notice,
      conflictAppeal: extra.conflictAppeal,
      reauth,
      // The main form is ready once a way to prove it is you is on it: the password, or a code already sent.
      ready: reauth.method === 'pwd' || reauth.codeSent,
      captcha: reauth.method === 'pwd' || reauth.codeSent ? await services.captcha.issue() : undefined,
    }, status);
  };

  router.get('/profile/real-name', (ctx) => realNamePage(ctx));

  /** The SMS way of proving it is you: a code to the bound phone, after the send form's captcha. */
  router.post('/profile/real-name/send', async (ctx) => {
    const form = await guard(ctx);
    const { account } = centreOf(ctx);
    if (!(await services.assurance.canCorrectRealName(account.id))) return realNamePage(ctx);
    const sent = await sendReauthCodeForPage(deps, ctx, account.id, form, 'reauth');
    return realNamePage(ctx, sent.state, sent.status);
  });

  router.post('/profile/real-name', async (ctx) => {
    const form = await guard(ctx);
    const { account } = centreOf(ctx);
    const values = { certType: field(form, 'certType', 4), documentNumber: field(form, 'documentNumber', 64), name: field(form, 'name', 64) };
    const reauth = reauthProofFrom(form, 'reauth');
    try {
      if (!isCertType(values.certType)) throw new ValidationError('documents.unknown_type', 'certType');
      await services.assurance.correctRealName(
        account.id,
        { certType: values.certType, documentNumber: values.documentNumber, name: values.name },
        { captchaId: field(form, 'captchaId', 64), captchaAnswer: field(form, 'captcha', 16), reauth },
        changeContext(ctx),
      );
    } catch (err) {
      const shown = formError(ctx, err);
      if (!shown) throw err;
      // A wrong code may be tried again; an expired or exhausted one needs a new code.
      const codeSent = reauth.method === 'sms' && !(err instanceof ValidationError && smsCodeNeedsResend(err.code));
      const common = { values, method: reauth.method, codeSent };
      if (err instanceof ConflictError) return realNamePage(ctx, { ...common, fieldErrors: { documentNumber: shown.message }, conflictAppeal: err.code === 'registration.document_taken' }, 409);
      if (shown.field) return realNamePage(ctx, { ...common, fieldErrors: { [shown.field]: shown.message } }, shown.status);
      return realNamePage(ctx, { ...common, error: shown.message }, shown.status);
    }
    seeOther(ctx, '/account');
  });

  const facePage = async (ctx: Context, flowId: string | undefined, extra: Record<string, unknown> = {}, status?: number): Promise<void> => {
    const { account } = centreOf(ctx);
    if (!(await services.assurance.identityOf(account.id))) {
      return renderCentre(ctx, deps, 'account/upgrade.njk', 'home', { titleKey: 'stepup.face_title', step: 'not_eligible' }, status);
    }
    let face;
    if (flowId) {
      const flow = await services.flows.load<AccountFaceState, AccountFaceFacts>(accountFaceFlow, flowId, browserIdOf(ctx), ['face']);
      if (flow.accountId !== account.id) return seeOther(ctx, '/account/face');
      face = await faceStep.view(flow);
    }
    return renderCentre(ctx, deps, 'account/upgrade.njk', 'home', { titleKey: 'stepup.face_title', step: 'face', face, ...extra }, status);
  };

  router.get('/face', async (ctx) => facePage(ctx, typeof ctx.query.flow === 'string' ? ctx.query.flow : undefined));

  // 实名用户 → 实人用户: a check of the account's own identity; a pass is recorded as a proof.
  const faceStep = faceStepRoutes<AccountFaceState, AccountFaceFacts>(router, deps, {
    flow: accountFaceFlow,
    state: 'face',
    paths: { start: '/face/start', status: '/face/status', continue: '/face/continue' },
    urls: (flow) => ({ status: `/account/face/status?flow=${flow.id}`, continue: '/account/face/continue', retry: '/account/face/start' }),
    load: async (ctx, states, form) => {
      const id = form.flow ?? (typeof ctx.query.flow === 'string' ? ctx.query.flow : '');
      const flow = await services.flows.load<AccountFaceState, AccountFaceFacts>(accountFaceFlow, id.slice(0, 64), browserIdOf(ctx), states);
      if (flow.accountId !== centreOf(ctx).account.id) throw new FlowError('not_found');
      return flow;
    },
    begin: async (ctx) => {
      const { account } = centreOf(ctx);
      if (!(await services.assurance.identityOf(account.id))) {
        await facePage(ctx, undefined, {}, 400);
        return undefined;
      }
      return services.flows.start<AccountFaceState, AccountFaceFacts>(accountFaceFlow, browserIdOf(ctx), { facts: {}, accountId: account.id });
    },
    identity: (ctx) => services.assurance.identityOf(centreOf(ctx).account.id),
    show: (ctx, flow, error, status) => facePage(ctx, flow.facts.certifyUrl ? flow.id : undefined, { error }, status),
    pageUrl: (flow) => `/account/face?flow=${flow.id}`,
    passed: async (ctx, flow) => {
      await services.flows.advance(accountFaceFlow, flow, 'done');
      await services.assurance.recordFaceMatch(flow.accountId as string, { certifyId: flow.facts.certifyId as string, identityKey: flow.facts.identityKey as string }, changeContext(ctx));
      seeOther(ctx, '/account');
    },
  });
}
