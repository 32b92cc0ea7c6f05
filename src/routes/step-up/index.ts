// /interaction/:uid/step-up — the missing steps when a client asks for a higher acr than this
// sign-in has (see src/oidc/policy.ts): the real-name check, then a face check asked server-side;
// then back to the client with the higher acr, or access_denied when the citizen gives up.

import Router from '@koa/router';
import type { Context } from 'koa';
import type { StepUpState } from '../../flows/step-up/states.js';
import * as steps from '../../flows/step-up/steps.js';
import { field } from '../../http/body.js';
import { browserIdOf } from '../../http/csrf.js';
import { seeOther } from '../../http/redirect.js';
import { requestState } from '../../http/state.js';
import { formGuardFor, type RouteDeps } from '../../pages/deps.js';
import { faceStepRoutes } from '../../pages/face-step.js';
import { abortInteraction } from '../../pages/interaction/finish.js';
import { reauthProofFrom, sendReauthCodeForPage } from '../../pages/reauth-block.js';
import { stepUpFaceStep } from '../../pages/step-up/face.js';
import { changeContextOf, realNameRefusalExtra, returnToClient, showStepUp, stepUpFlowOf, stepUpInteraction, stepUpUrls } from '../../pages/step-up/page.js';
import type { StepUpPageExtra } from '../../pages/step-up/page.js';

export function stepUpRoutes(deps: RouteDeps): Router {
  const router = new Router({ prefix: '/interaction/:uid/step-up' });
  const { services } = deps;
  const guard = formGuardFor(deps);
  const interaction = (ctx: Context) => stepUpInteraction(ctx, deps.oidc.provider);
  const flowOf = (ctx: Context, id: string, states: readonly StepUpState[]) => stepUpFlowOf(ctx, deps, id, states);
  const show = async (ctx: Context, flow: steps.StepUpFlow, extra?: StepUpPageExtra, status?: number) =>
    showStepUp(ctx, deps, flow, await faceStep.view(flow), extra, status);
  const finish = async (ctx: Context, flow: steps.StepUpFlow) =>
    returnToClient(ctx, deps.oidc.provider, await steps.finishStepUp(services, flow, { ...(await interaction(ctx)).signIn, ip: requestState(ctx).ip }));

  router.get('/', async (ctx) => {
    const { uid, accountId, required } = await interaction(ctx);
    const id = typeof ctx.query.flow === 'string' ? ctx.query.flow : '';
    if (!id) return seeOther(ctx, stepUpUrls(uid, (await steps.startStepUp(services, { accountId, required }, { uid, browserId: browserIdOf(ctx) })).id).page);
    await show(ctx, await flowOf(ctx, id, ['real_name', 'face']));
  });

  /** The SMS way of proving it is you before the real-name check (a code to the bound phone after a captcha). */
  router.post('/real-name/send', async (ctx) => {
    const form = await guard(ctx);
    const { accountId } = await interaction(ctx);
    const flow = await flowOf(ctx, field(form, 'flow', 64), ['real_name']);
    const sent = await sendReauthCodeForPage(deps, ctx, accountId, form, 'reauth');
    await show(ctx, flow, sent.state, sent.status);
  });

  router.post('/real-name', async (ctx) => {
    const form = await guard(ctx);
    const { uid, accountId, required } = await interaction(ctx);
    const flow = await flowOf(ctx, field(form, 'flow', 64), ['real_name']);
    const values = { certType: field(form, 'certType', 4), documentNumber: field(form, 'documentNumber', 64), name: field(form, 'name', 64) };
    const reauth = reauthProofFrom(form, 'reauth');
    const input = { ...values, captchaId: field(form, 'captchaId', 64), captchaAnswer: field(form, 'captcha', 16), reauth };
    const checked = await steps.checkRealName(services, { accountId, required }, flow, input, changeContextOf(ctx));
    if (checked.kind === 'restart') return seeOther(ctx, stepUpUrls(uid, flow.id).base);
    if (checked.kind === 'refused') return show(ctx, flow, realNameRefusalExtra(ctx, checked, values, reauth.method), checked.status);
    if (checked.kind === 'done') return finish(ctx, checked.flow);
    seeOther(ctx, stepUpUrls(uid, flow.id).page);
  });

  // POST /face/start, GET /face/status, POST /continue: the face step every journey shares.
  const faceStep = faceStepRoutes(router, deps, stepUpFaceStep(deps, { show, finish }));

  router.post('/cancel', async (ctx) => {
    await guard(ctx);
    await steps.giveUpStepUp(services, { ...(await interaction(ctx)).signIn, ip: requestState(ctx).ip });
    await abortInteraction(ctx, deps.oidc.provider, 'The required identity level was not reached');
  });

  return router;
}
