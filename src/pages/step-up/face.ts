// The step-up's face check of the account's own identity, plugged into the face step every journey
// shares (src/pages/face-step.ts): a pass is recorded once, as soon as a poll or the continue sees it,
// and counts for this sign-in; then the requirement is checked again and the citizen goes back to the client.

import type { Context } from 'koa';
import { stepUpFlow, type StepUpFacts, type StepUpState } from '../../flows/step-up/states.js';
import { afterFacePassed, settleStepUpFace, type StepUpFlow } from '../../flows/step-up/steps.js';
import { field } from '../../http/body.js';
import { requestState } from '../../http/state.js';
import { t } from '../../i18n/index.js';
import type { RouteDeps } from '../deps.js';
import type { FaceStep } from '../face-step.js';
import { changeContextOf, stepUpFlowOf, stepUpInteraction, stepUpUrls, type StepUpPageExtra } from './page.js';

/** How the step-up route presents: its page again (with the face block), and the way back to the client. */
export interface StepUpPresenter {
  show(ctx: Context, flow: StepUpFlow, extra: StepUpPageExtra, status: number): Promise<void>;
  finish(ctx: Context, flow: StepUpFlow): Promise<void>;
}

/** The step-up's plug into the face step (routes /face/start, /face/status and /continue under the step-up prefix). */
export function stepUpFaceStep(deps: RouteDeps, page: StepUpPresenter): FaceStep<StepUpState, StepUpFacts> {
  const interaction = (ctx: Context) => stepUpInteraction(ctx, deps.oidc.provider);
  /** The flow a face request names: the posted form's, or the status poll's query. */
  const load = (ctx: Context, states: readonly StepUpState[], form: Record<string, string>) =>
    stepUpFlowOf(ctx, deps, ctx.method === 'GET' ? (typeof ctx.query.flow === 'string' ? ctx.query.flow : '') : field(form, 'flow', 64), states);
  const urlsOf = (flow: StepUpFlow) => stepUpUrls(flow.interactionUid as string, flow.id);
  return {
    flow: stepUpFlow,
    state: 'face',
    paths: { start: '/face/start', status: '/face/status', continue: '/continue' },
    urls: (flow) => urlsOf(flow).face,
    load,
    begin: (ctx, form) => load(ctx, ['face'], form),
    identity: async (ctx) => deps.services.assurance.identityOf((await interaction(ctx)).accountId),
    show: (ctx, flow, error, status) => page.show(ctx, flow, { error }, status),
    pageUrl: (flow) => urlsOf(flow).page,
    settle: async (ctx, flow) => settleStepUpFace(deps.services, (await interaction(ctx)).accountId, flow, changeContextOf(ctx)),
    passed: async (ctx, settled) => {
      const requirement = await interaction(ctx);
      const flow = await stepUpFlowOf(ctx, deps, settled.id, ['face']);
      const outcome = await afterFacePassed(deps.services, requirement, flow);
      if (outcome.kind === 'refused') return page.show(ctx, flow, { error: t(requestState(ctx).locale, outcome.code) }, outcome.status);
      await page.finish(ctx, outcome.flow);
    },
  };
}
