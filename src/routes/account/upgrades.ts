// Level upgrades from the user centre: 基本信息修改 (注册用户 → 实名用户: name and document checked
// again with the population registry) and 人脸识别 (实名用户 → 实人用户: a face check of the
// account's own identity, its result asked from the verifier server-side).

import type Router from '@koa/router';
import type { Context } from 'koa';
import { isCertType } from '../../domain/documents.js';
import { UpstreamError, ValidationError } from '../../errors/app-error.js';
import { field } from '../../http/body.js';
import { browserIdOf } from '../../http/csrf.js';
import { accountFaceFlow, type AccountFaceFacts, type AccountFaceState } from '../../flows/account-centre/face.js';
import { ConflictError } from '../../services/accounts.js';
import type { RouteDeps } from '../deps.js';
import { faceView } from '../face-view.js';
import { certTypeOptions } from '../identity-form.js';
import { accountGuard, centreOf, changeContext, localeOf, msg, renderCentre } from './context.js';

export function upgradeRoutes(router: Router, deps: RouteDeps): void {
  const { services, config } = deps;
  const guard = accountGuard(deps);
  const see = (ctx: Context, url: string) => {
    ctx.redirect(url);
    ctx.status = 303;
  };

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
    see(ctx, '/account');
  });

  const facePage = async (ctx: Context, flowId: string | undefined, extra: Record<string, unknown> = {}, status?: number) => {
    const { account } = centreOf(ctx);
    if (!(await services.assurance.identityOf(account.id))) {
      return renderCentre(ctx, deps, 'account/upgrade.njk', 'home', { titleKey: 'stepup.face_title', step: 'not_eligible' }, status);
    }
    let face;
    if (flowId) {
      const flow = await services.flows.load<AccountFaceState, AccountFaceFacts>(accountFaceFlow, flowId, browserIdOf(ctx), ['face']);
      if (flow.accountId !== account.id) return see(ctx, '/account/face');
      face = await faceView({ certifyUrl: flow.facts.certifyUrl, development: config.env !== 'production', flowId: flow.id, statusUrl: `/account/face/status?flow=${flow.id}`, continueUrl: '/account/face/continue', retryUrl: '/account/face/start' });
    }
    return renderCentre(ctx, deps, 'account/upgrade.njk', 'home', { titleKey: 'stepup.face_title', step: 'face', face, ...extra }, status);
  };

  router.get('/face', async (ctx) => facePage(ctx, typeof ctx.query.flow === 'string' ? ctx.query.flow : undefined));

  router.post('/face/start', async (ctx) => {
    await guard(ctx);
    const { account } = centreOf(ctx);
    const identity = await services.assurance.identityOf(account.id);
    if (!identity) return facePage(ctx, undefined, {}, 400);
    try {
      const started = await services.assurance.startFaceCheck(identity);
      const flow = await services.flows.start(accountFaceFlow, browserIdOf(ctx), { facts: started, accountId: account.id });
      see(ctx, `/account/face?flow=${flow.id}`);
    } catch (err) {
      if (err instanceof UpstreamError) return facePage(ctx, undefined, { error: msg(ctx, 'face.unavailable') }, 503);
      throw err;
    }
  });

  const loadOwnFlow = async (ctx: Context, id: string) => {
    const flow = await services.flows.load<AccountFaceState, AccountFaceFacts>(accountFaceFlow, id, browserIdOf(ctx), ['face']);
    if (flow.accountId !== centreOf(ctx).account.id) throw new ValidationError('flow.invalid');
    return flow;
  };

  router.get('/face/status', async (ctx) => {
    const flow = await loadOwnFlow(ctx, typeof ctx.query.flow === 'string' ? ctx.query.flow : '');
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { status: await services.assurance.settledFaceResult(flow.facts.certifyId) };
  });

  router.post('/face/continue', async (ctx) => {
    const form = await guard(ctx);
    const flow = await loadOwnFlow(ctx, field(form, 'flow', 64));
    const result = await services.assurance.settledFaceResult(flow.facts.certifyId);
    if (result !== 'passed') return facePage(ctx, flow.id, { error: msg(ctx, result === 'failed' ? 'face.failed' : 'face.not_passed') }, 400);
    await services.flows.advance(accountFaceFlow, flow, 'done');
    await services.assurance.recordFaceMatch(flow.accountId as string, flow.facts.certifyId, changeContext(ctx));
    see(ctx, '/account');
  });
}
