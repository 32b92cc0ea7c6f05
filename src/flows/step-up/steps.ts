// The step-up steps: which requirement an interaction asks for, the state its flow must be in, the
// real-name check (a refusal mapped to the field and message it shows), a face pass recorded once,
// and the end (the acr and amr this sign-in now has, audited) or the citizen giving up.

import { isCertType } from '../../domain/documents.js';
import { acrFor, acrSatisfies, isKnownAcr, levelRank, levelRequiredBy, type Acr } from '../../domain/levels.js';
import { AppError, UpstreamError, ValidationError, type ErrorParams } from '../../errors/app-error.js';
import type { MessageKey } from '../../i18n/index.js';
import { ConflictError, type ChangeContext } from '../../services/accounts.js';
import type { Services } from '../../services/index.js';
import type { ReauthProof } from '../../services/reauthentication.js';
import { FlowError, type Flow } from '../engine/store.js';
import { smsCodeNeedsResend } from '../steps/sms-code.js';
import { stepUpFlow, type StepUpFacts, type StepUpState } from './states.js';

export type StepUpFlow = Flow<StepUpState, StepUpFacts>;

/** What the steps use: the accounts (their level), the identity assurance, the flow store and the audit. */
export type StepUpDeps = Pick<Services, 'accounts' | 'assurance' | 'flows' | 'audit'>;

/** A face check's result as the identity assurance settles it (passed, failed, pending …). */
type FaceResult = Awaited<ReturnType<Services['assurance']['settledFaceResult']>>;

/** Who steps up to what: the signed-in account and the acr the client requires. */
export interface StepUpRequirement {
  accountId: string;
  required: Acr;
}

/**
 * The requirement of an interaction whose prompt is a step-up (`reason`) of a signed-in account.
 * Throws FlowError('out_of_order') for any other interaction.
 */
export function stepUpRequirement(
  accountId: string | undefined,
  prompt: { reasons: string[]; details: Record<string, unknown> },
  reason: string,
): StepUpRequirement {
  const required = prompt.details.requiredAcr;
  if (!accountId || !prompt.reasons.includes(reason) || !isKnownAcr(required)) throw new FlowError('out_of_order');
  return { accountId, required };
}

/** The state a flow must be in for this account and requirement right now. */
export async function neededState(deps: Pick<StepUpDeps, 'accounts'>, { accountId, required }: StepUpRequirement, faceVerified: boolean): Promise<StepUpState> {
  const account = await deps.accounts.getAccount(accountId);
  const level = account?.level ?? 'registered';
  if (levelRank(level) < levelRank('real_name') && levelRank(levelRequiredBy(required)) >= levelRank('real_name')) return 'real_name';
  if (acrSatisfies(acrFor(level, { faceThisSignIn: faceVerified }), required)) return 'done';
  return 'face';
}

/** Starts the step-up flow of interaction `uid` in the state the account needs (a face check when nothing is missing). */
export async function startStepUp(deps: StepUpDeps, requirement: StepUpRequirement, at: { uid: string; browserId: string }): Promise<StepUpFlow> {
  const state = await neededState(deps, requirement, false);
  return deps.flows.start(stepUpFlow, at.browserId, {
    facts: { requiredAcr: requirement.required },
    interactionUid: at.uid,
    accountId: requirement.accountId,
    state: state === 'done' ? 'face' : state,
  });
}

/** The step-up flow `id` of interaction `uid` in one of `states`. Throws FlowError (not_found when it belongs to another interaction). */
export async function loadStepUp(
  deps: Pick<StepUpDeps, 'flows'>,
  at: { uid: string; browserId: string },
  id: string,
  states: readonly StepUpState[],
): Promise<StepUpFlow> {
  const flow = await deps.flows.load<StepUpState, StepUpFacts>(stepUpFlow, id, at.browserId, states);
  if (flow.interactionUid !== at.uid) throw new FlowError('not_found');
  return flow;
}

/** The real-name check as posted: the identity, the captcha and the proof that it is the account's holder. */
export interface RealNameInput {
  certType: string;
  documentNumber: string;
  name: string;
  captchaId: string;
  captchaAnswer: string;
  reauth: ReauthProof;
}

/**
 * A refused check, to show on the page again: the message (an i18n key and its parameters), the
 * field it belongs to, whether the SMS code of the proof can still be used, and for a document
 * someone else holds whether 用户申诉 resolves it.
 */
export interface RealNameRefusal {
  kind: 'refused';
  code: MessageKey;
  params: ErrorParams;
  field?: string;
  status: number;
  /** The proof's SMS code stays usable unless the refusal says it expired or is used up. */
  codeSent: boolean;
  conflictAppeal?: boolean;
}

export type RealNameResult =
  /** A registry match holds already (e.g. from another tab): the page again, with what is still missing. */
  | { kind: 'restart' }
  | RealNameRefusal
  /** Matched; a face check is still missing (or the check again): the flow's page. */
  | { kind: 'next'; flow: StepUpFlow }
  /** Matched, and that is enough: back to the client. */
  | { kind: 'done'; flow: StepUpFlow };

/**
 * The real-name check (the user centre's correction: the proof that it is you and the captcha), then
 * the flow's next state. Rethrows what is not the citizen's to correct (non-AppErrors, 5xx other than an upstream's).
 */
export async function checkRealName(
  deps: StepUpDeps,
  requirement: StepUpRequirement,
  flow: StepUpFlow,
  input: RealNameInput,
  context: ChangeContext,
): Promise<RealNameResult> {
  const { accountId } = requirement;
  try {
    if (!isCertType(input.certType)) throw new ValidationError('documents.unknown_type', 'certType');
    await deps.assurance.correctRealName(
      accountId,
      { certType: input.certType, documentNumber: input.documentNumber, name: input.name },
      { captchaId: input.captchaId, captchaAnswer: input.captchaAnswer, reauth: input.reauth },
      { actor: accountId, ...context },
    );
  } catch (err) {
    if (!(err instanceof AppError) || (err.status >= 500 && !(err instanceof UpstreamError))) throw err;
    if (err.code === 'realname.locked') return { kind: 'restart' };
    const refused = { kind: 'refused' as const, code: err.code, params: err.params, codeSent: input.reauth.method === 'sms' && !smsCodeNeedsResend(err.code) };
    if (err instanceof ConflictError) return { ...refused, field: 'documentNumber', status: 409, conflictAppeal: err.code === 'registration.document_taken' };
    const field = (err as { field?: unknown }).field;
    return { ...refused, ...(typeof field === 'string' ? { field } : {}), status: err.status };
  }
  const next = await neededState(deps, requirement, false);
  const moved = await deps.flows.advance(stepUpFlow, flow, next);
  return next === 'done' ? { kind: 'done', flow: moved } : { kind: 'next', flow };
}

/**
 * The face result of the step-up check, asked server-side: a pass is recorded once (in the flow and
 * as the account's face match), as soon as a poll or the continue sees it; `flow` is updated in place.
 */
export async function settleStepUpFace(deps: StepUpDeps, accountId: string, flow: StepUpFlow, context: ChangeContext): Promise<FaceResult> {
  if (flow.facts.faceVerified) return 'passed';
  if (!flow.facts.identityKey) return 'failed';
  const result = await deps.assurance.settledFaceResult(flow.facts.certifyId);
  if (result !== 'passed' || !flow.facts.certifyId) return result;
  const moved = await deps.flows.advance(stepUpFlow, flow, 'face', { faceVerified: true, certifyUrl: undefined });
  await deps.assurance.recordFaceMatch(accountId, { certifyId: flow.facts.certifyId, identityKey: flow.facts.identityKey }, { actor: accountId, ...context });
  flow.facts = moved.facts;
  flow.version = moved.version;
  return 'passed';
}

/** After a passed face check: done when the account now satisfies the requirement, else refused ('face.not_passed'). */
export async function afterFacePassed(
  deps: StepUpDeps,
  requirement: StepUpRequirement,
  flow: StepUpFlow,
): Promise<{ kind: 'done'; flow: StepUpFlow } | { kind: 'refused'; code: 'face.not_passed'; status: 400 }> {
  const next = await neededState(deps, requirement, true);
  if (next !== 'done') return { kind: 'refused', code: 'face.not_passed', status: 400 };
  return { kind: 'done', flow: await deps.flows.advance(stepUpFlow, flow, 'done') };
}

/** What the sign-in goes back to the client with once the step-up is done (oidc-provider's interaction result). */
export type StepUpResult = {
  login: { accountId: string; acr: string; amr: string[]; remember: true };
  stepUp: { attempted: true };
};

/** Ends the step-up: the acr and amr this sign-in now has (a face check now counts), audited as signin.step_up. */
export async function finishStepUp(
  deps: StepUpDeps,
  flow: StepUpFlow,
  signIn: { accountId: string; amr: string[]; clientId: string; ip: string },
): Promise<StepUpResult> {
  const { accountId } = signIn;
  const account = await deps.accounts.getAccount(accountId);
  const faceNow = flow.facts.faceVerified === true;
  const acr = acrFor(account?.level ?? 'registered', { faceThisSignIn: faceNow });
  const amr = [...new Set([...signIn.amr, ...(faceNow ? ['face'] : [])])];
  const { clientId, ip } = signIn;
  const details = { acr, required: flow.facts.requiredAcr };
  await deps.audit.record({ event: 'signin.step_up', outcome: 'success', subject: accountId, clientId, ip, details });
  return { login: { accountId, acr, amr, remember: true }, stepUp: { attempted: true } };
}

/** The citizen gave up: audited as a failed signin.step_up (the interaction then ends with access_denied). */
export async function giveUpStepUp(deps: Pick<StepUpDeps, 'audit'>, signIn: { accountId: string; clientId: string; ip: string }): Promise<void> {
  const { accountId, clientId, ip } = signIn;
  await deps.audit.record({ event: 'signin.step_up', outcome: 'failure', subject: accountId, clientId, ip, details: { reason: 'cancelled' } });
}
