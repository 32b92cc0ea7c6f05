// The step-up page (views/step-up/step-up.njk): the interaction it belongs to (loaded once per
// request), its URLs, its view model (the real-name form with the re-authentication block, or the
// face block), a refused real-name check shown on it, and the way back to the client.

import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import { certTypes } from '../../domain/documents.js';
import { identityLevelLabelKeys, levelRequiredBy, type Acr } from '../../domain/levels.js';
import type { StepUpState } from '../../flows/step-up/states.js';
import { loadStepUp, stepUpRequirement, type RealNameRefusal, type StepUpFlow, type StepUpRequirement, type StepUpResult } from '../../flows/step-up/steps.js';
import { browserIdOf } from '../../http/csrf.js';
import { seeOther } from '../../http/redirect.js';
import { requestState } from '../../http/state.js';
import { render } from '../../http/views.js';
import { t } from '../../i18n/index.js';
import { stepUpReason } from '../../oidc/policy.js';
import type { RouteDeps } from '../deps.js';
import type { FaceView } from '../face-step.js';
import { clientNameOf, loadInteraction, type InteractionDetails } from '../interaction/details.js';
import { reauthBlock, requestedMethod, type ReauthMethod } from '../reauth-block.js';

/** The interaction of a step-up request, with who steps up to what, and the sign-in it raises (for its audit and result). */
export interface StepUpInteraction extends StepUpRequirement {
  uid: string;
  details: InteractionDetails;
  signIn: { accountId: string; amr: string[]; clientId: string };
}

const loaded = new WeakMap<Context, Promise<StepUpInteraction>>();

/**
 * The interaction of `/interaction/:uid/step-up…`, which must be a step-up of a signed-in account
 * (loaded once per request). Throws FlowError('out_of_order').
 */
export function stepUpInteraction(ctx: Context, provider: Provider): Promise<StepUpInteraction> {
  const known = loaded.get(ctx);
  if (known) return known;
  const loading = (async () => {
    const { uid } = ctx.params as { uid: string };
    const details = await loadInteraction(ctx, provider, uid);
    const requirement = stepUpRequirement(details.session?.accountId, { reasons: details.prompt.reasons, details: details.prompt.details }, stepUpReason);
    const signIn = { accountId: requirement.accountId, amr: details.session?.amr ?? [], clientId: String(details.params.client_id ?? '') };
    return { uid, details, ...requirement, signIn };
  })();
  loaded.set(ctx, loading);
  return loading;
}

/** The step-up flow `id` of this request's interaction, in one of `states`. Throws FlowError. */
export async function stepUpFlowOf(
  ctx: Context,
  deps: Pick<RouteDeps, 'oidc' | 'services'>,
  id: string,
  states: readonly StepUpState[],
): Promise<StepUpFlow> {
  const { uid } = await stepUpInteraction(ctx, deps.oidc.provider);
  return loadStepUp(deps.services, { uid, browserId: browserIdOf(ctx) }, id, states);
}

/** Who changes the account in this request (for the audit of a real-name match or a face match). */
export function changeContextOf(ctx: Context): { ip: string; requestId: string } {
  const { ip, requestId } = requestState(ctx);
  return { ip, requestId };
}

/** The step-up URLs of interaction `uid` (the page of flow `flowId`, the forms' actions, the face step's routes). */
export function stepUpUrls(uid: string, flowId: string) {
  const base = `/interaction/${uid}/step-up`;
  return {
    base,
    page: `${base}?flow=${flowId}`,
    realName: `${base}/real-name`,
    realNameSend: `${base}/real-name/send`,
    faceStart: `${base}/face/start`,
    cancel: `${base}/cancel`,
    /** Where the face block polls, continues and retries. */
    face: { status: `${base}/face/status?flow=${flowId}`, continue: `${base}/continue`, retry: `${base}/face/start` },
  };
}

/** What a request adds to the page: the re-authentication way and whether its code went out, messages, refilled values. */
export type StepUpPageExtra = Record<string, unknown> & { method?: ReauthMethod; codeSent?: boolean };

/** Renders the page of `flow` (with its face block `face`, while a check runs). */
export async function showStepUp(
  ctx: Context,
  deps: RouteDeps,
  flow: StepUpFlow,
  face: FaceView | undefined,
  extra: StepUpPageExtra = {},
  status?: number,
): Promise<void> {
  const { details } = await stepUpInteraction(ctx, deps.oidc.provider);
  const urls = stepUpUrls(flow.interactionUid as string, flow.id);
  // The real-name check is the correction of the user centre: the same proof that it is you and captcha.
  const block = { method: extra.method ?? requestedMethod(ctx), codeSent: extra.codeSent === true, sendAction: urls.realNameSend, pageUrl: urls.page };
  const reauth = flow.state === 'real_name' && flow.accountId ? await reauthBlock(deps, flow.accountId, block) : undefined;
  const ready = reauth !== undefined && (reauth.method === 'pwd' || reauth.codeSent);
  render(
    ctx,
    deps.views,
    'step-up/step-up.njk',
    {
      state: flow.state,
      flowId: flow.id,
      clientName: await clientNameOf(deps.oidc.provider, details.params.client_id),
      requiredLabel: identityLevelLabelKeys[levelRequiredBy(flow.facts.requiredAcr as Acr)],
      certTypeOptions: certTypes.map((c) => ({ value: c, label: t(requestState(ctx).locale, `documents.cert_type.${c}`) })),
      values: { certType: '01' },
      fieldErrors: {},
      face,
      reauth,
      ready,
      captcha: ready ? await deps.services.captcha.issue() : undefined,
      actions: { page: urls.page, realName: urls.realName, faceStart: urls.faceStart, cancel: urls.cancel },
      ...extra,
    },
    status,
  );
}

/** What the page adds for a refused real-name check: the message on its field (or above the form), the refilled values, the proof's state. */
export function realNameRefusalExtra(ctx: Context, refused: RealNameRefusal, values: Record<string, string>, method: ReauthMethod): StepUpPageExtra {
  const message = t(requestState(ctx).locale, refused.code, refused.params);
  return {
    values,
    method,
    codeSent: refused.codeSent,
    ...(refused.field ? { fieldErrors: { [refused.field]: message } } : { error: message }),
    ...(refused.conflictAppeal !== undefined ? { conflictAppeal: refused.conflictAppeal } : {}),
  };
}

/** Hands the finished step-up to the provider and sends the browser back to the client. */
export async function returnToClient(ctx: Context, provider: Provider, result: StepUpResult): Promise<void> {
  seeOther(ctx, await provider.interactionResult(ctx.req, ctx.res, result, { mergeWithLastSubmission: false }));
}
