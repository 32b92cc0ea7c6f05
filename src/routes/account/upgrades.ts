// Level upgrades from the user centre: 基本信息修改 (注册用户 → 实名用户: name and document checked
// again with the population registry) and 人脸识别 (实名用户 → 实人用户: a face check of the
// account's own identity, its result asked from the verifier server-side).

import type Router from '@koa/router';
import type { Context } from 'koa';
import { isCertType } from '../../domain/documents.js';
import { UpstreamError, ValidationError } from '../../errors/app-error.js';
import { FlowError } from '../../flows/engine/store.js';
import { field } from '../../http/body.js';
import { browserIdOf } from '../../http/csrf.js';
import { accountFaceFlow, type AccountFaceFacts, type AccountFaceState } from '../../flows/account-centre/face.js';
import { ConflictError } from '../../services/accounts.js';
import type { RouteDeps } from '../deps.js';
import { faceStepRoutes } from '../face-step.js';
import { certTypeOptions } from '../identity-form.js';
import { accountGuard, centreOf, changeContext, localeOf, msg, renderCentre } from './context.js';
import { seeOther } from '../../http/redirect.js';

export function upgradeRoutes(router: Router, deps: RouteDeps): void {
  const { services } = deps;
  const guard = accountGuard(deps);

  const realNamePage = (ctx: Context, extra: Record<string, unknown> = {}, status?: number) =>
    renderCentre(ctx, deps, 'account/upgrade.njk', 'info', { titleKey: 'stepup.real_name_title', step: 'real_name', certTypeOptions: certTypeOptions(localeOf(ctx)), values: { certType: centreOf(ctx).account.certType ?? '01' }, fieldErrors: {}, ...extra }, status);

  router.get('/profile/real-name', (ctx) => realNamePage(ctx));

  router.post('/profile/real-name', async (ctx) => {
    const form = await guard(ctx);
    const { account } = centreOf(ctx);
    const values = { certType: field(form, 'certType', 4), documentNumber: field(form, 'documentNumber', 64), name: field(form, 'name', 64) };
    try {
      if (!isCertType(values.certType)) throw new ValidationError('documents.unknown_type', 'certType');
      await services.assurance.correctRealName(account.id, { certType: values.certType, documentNumber: values.documentNumber, name: values.name }, changeContext(ctx));
    } catch (err) {
      if (err instanceof ValidationError) return realNamePage(ctx, { values, fieldErrors: { [err.field ?? 'name']: msg(ctx, err.code) } }, 400);
      if (err instanceof ConflictError) return realNamePage(ctx, { values, fieldErrors: { documentNumber: msg(ctx, 'register.document_taken') }, conflictAppeal: true }, 409);
      if (err instanceof UpstreamError) return realNamePage(ctx, { values, error: msg(ctx, err.code) }, 503);
      throw err;
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
      await services.assurance.recordFaceMatch(flow.accountId as string, flow.facts.certifyId as string, changeContext(ctx));
      seeOther(ctx, '/account');
    },
  });
}
