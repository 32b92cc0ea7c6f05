// The 用户申诉 page (views/appeal/appeal.njk): its view model for the identify form and each flow
// state (the face step, then what the appeal type needs), and how an appeal step's outcome is presented.

import type { Context } from 'koa';
import { appealTypes } from '../../flows/appeal/states.js';
import type { AppealFlow } from '../../flows/appeal/steps.js';
import type { StepOutcome } from '../../flows/steps/identity-steps.js';
import { seeOther } from '../../http/redirect.js';
import { requestState } from '../../http/state.js';
import { render } from '../../http/views.js';
import { t } from '../../i18n/index.js';
import type { RouteDeps } from '../deps.js';
import type { FaceView } from '../face-step.js';
import { certTypeOptions } from '../identity-form.js';
import { refusalModel } from '../recovery/recover-page.js';

/** The appeal pages' presenter; `faceView` is the face block of a flow whose check is running. */
export function appealPage(deps: RouteDeps, faceView: (flow: AppealFlow) => Promise<FaceView | undefined>) {
  const { services, views } = deps;

  /** Renders the page in `model`'s state (the identify form preselects ?type=). */
  const page = async (ctx: Context, model: Record<string, unknown>, status?: number): Promise<void> => {
    const locale = requestState(ctx).locale;
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

  /** The page of a flow: the face step, then what its appeal type needs (with a captcha where a code is sent). */
  const show = async (ctx: Context, flow: AppealFlow, extra: Record<string, unknown> = {}, status?: number): Promise<void> => {
    const base = `/appeal/flow/${flow.id}`;
    let view = flow.state as string;
    if (flow.state === 'verified') view = flow.facts.type === 'phone' ? 'phone' : 'takeover';
    const captcha = view === 'phone' || view === 'phone_code' ? await services.captcha.issue() : undefined;
    const model = { state: view, base, face: await faceView(flow), typeLabel: `appeal.type.${flow.facts.type}`, maskedPhone: flow.facts.maskedPhone, captcha };
    await page(ctx, { ...model, ...extra }, status);
  };

  /** The identify form again with its refusals. */
  const identifyAgain = async (ctx: Context, values: Record<string, string>, outcome: Extract<StepOutcome, { kind: 'fieldErrors' }>): Promise<void> => {
    await page(ctx, { state: 'identify', values, ...refusalModel(requestState(ctx).locale, outcome) }, outcome.status);
  };

  /** A flow step's outcome: the flow's next page, the end with its message (and 注册 where it helps), or the page again. */
  const present = async (ctx: Context, flow: AppealFlow, outcome: StepOutcome): Promise<void> => {
    switch (outcome.kind) {
      case 'next':
        return seeOther(ctx, `/appeal/flow/${flow.id}`);
      case 'done': {
        const registerLink = outcome.registerLink !== undefined ? { registerLink: outcome.registerLink } : {};
        return page(ctx, { state: 'done', doneMessage: outcome.message, ...registerLink });
      }
      default:
        return show(ctx, flow, refusalModel(requestState(ctx).locale, outcome), outcome.status);
    }
  };

  return { page, show, identifyAgain, present };
}
