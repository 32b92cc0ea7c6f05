// The 忘记密码 page (views/recovery/recover.njk): its view model for the identify form and each flow
// state, and how a recovery step's outcome is presented (the next page, the page again, the end).
// refusalModel also serves the appeal and desk pages.

import type { Context } from 'koa';
import type { Locale } from '../../i18n/index.js';
import { t } from '../../i18n/index.js';
import type { RecoveryFlow } from '../../flows/recovery/steps.js';
import type { StepOutcome } from '../../flows/steps/identity-steps.js';
import { seeOther } from '../../http/redirect.js';
import { requestState } from '../../http/state.js';
import { render } from '../../http/views.js';
import type { RouteDeps } from '../deps.js';
import type { FaceView } from '../face-step.js';
import { certTypeOptions, translateErrors } from '../identity-form.js';

/** The interaction a recovery started from (to return to its login page), if well-formed. */
export function interactionOf(value: unknown): string | undefined {
  return typeof value === 'string' && /^[\w-]{1,64}$/.test(value) ? value : undefined;
}

/** 返回登录 of a flow's pages: the relying party's login page it started from, if any. */
function backToLogin(flow: RecoveryFlow): { loginLink?: string } {
  const uid = interactionOf(flow.facts.interactionUid);
  return uid ? { loginLink: `/interaction/${uid}` } : {};
}

/** A refused step's additions to its page: the translated field errors or form error, and the values to refill. */
export function refusalModel(locale: Locale, outcome: Extract<StepOutcome, { kind: 'fieldErrors' | 'refused' }>): Record<string, unknown> {
  return {
    ...(outcome.values ? { values: outcome.values } : {}),
    ...(outcome.kind === 'fieldErrors' ? { fieldErrors: translateErrors(locale, outcome.fields) } : { error: t(locale, outcome.code, outcome.params) }),
  };
}

/** The recovery pages' presenter; `faceView` is the face block of a flow whose check is running. */
export function recoverPage(deps: RouteDeps, faceView: (flow: RecoveryFlow) => Promise<FaceView | undefined>) {
  const { services, views } = deps;

  /** Renders the page in `model`'s state (a captcha where a form needs one). */
  const page = async (ctx: Context, model: Record<string, unknown>, status?: number): Promise<void> => {
    const needsCaptcha = model.state === 'identify' || model.state === 'choose' || model.state === 'sms_sent';
    const interaction = interactionOf(ctx.query.interaction);
    render(
      ctx,
      views,
      'recovery/recover.njk',
      {
        values: { certType: '01' },
        fieldErrors: {},
        certTypeOptions: certTypeOptions(requestState(ctx).locale),
        captcha: needsCaptcha ? await services.captcha.issue() : undefined,
        interaction,
        loginLink: interaction ? `/interaction/${interaction}` : '/account',
        ...model,
      },
      status,
    );
  };

  /** The page of a flow in its state, with `extra` (an error, another state to show). */
  const show = async (ctx: Context, flow: RecoveryFlow, extra: Record<string, unknown> = {}, status?: number): Promise<void> => {
    const base = `/recover/flow/${flow.id}`;
    await page(ctx, { state: flow.state, base, maskedPhone: flow.facts.maskedPhone, face: await faceView(flow), ...backToLogin(flow), ...extra }, status);
  };

  /** The identify form again with its refusals; it keeps the interaction it came from (its hidden field). */
  const identifyAgain = async (ctx: Context, values: Record<string, string>, outcome: Extract<StepOutcome, { kind: 'fieldErrors' }>, interaction: unknown) => {
    const uid = interactionOf(interaction);
    const from = uid ? { interaction: uid, loginLink: `/interaction/${uid}` } : {};
    await page(ctx, { state: 'identify', values, ...refusalModel(requestState(ctx).locale, outcome), ...from }, outcome.status);
  };

  /** A flow step's outcome: the flow's next page, the end (password set, or no account behind a passed face check), or the page again. */
  const present = async (ctx: Context, flow: RecoveryFlow, outcome: StepOutcome | { kind: 'noAccount' }): Promise<void> => {
    switch (outcome.kind) {
      case 'next':
        return seeOther(ctx, `/recover/flow/${flow.id}`);
      case 'done':
        return page(ctx, { state: 'done', ...backToLogin(flow) });
      case 'noAccount':
        return page(ctx, { state: 'no_account', ...backToLogin(flow) });
      default:
        return show(ctx, flow, refusalModel(requestState(ctx).locale, outcome), outcome.status);
    }
  };

  return { page, show, identifyAgain, present };
}
