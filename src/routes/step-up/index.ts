// /interaction/:uid/step-up — the missing steps when a client asks for a higher acr than this
// sign-in has (see src/oidc/policy.ts): the real-name check, then a face check asked server-side;
// then back to the client with the higher acr, or access_denied when the citizen gives up.

import Router from '@koa/router';
import type { Context } from 'koa';
import { certTypes, isCertType } from '../../domain/documents.js';
import { acrFor, acrSatisfies, identityLevelLabelKeys, isKnownAcr, levelRank, levelRequiredBy, type Acr } from '../../domain/levels.js';
import { AppError, UpstreamError, ValidationError } from '../../errors/app-error.js';
import { field } from '../../http/body.js';
import { browserIdOf } from '../../http/csrf.js';
import { render } from '../../http/views.js';
import { t } from '../../i18n/index.js';
import { FlowError, type Flow } from '../../flows/engine/store.js';
import { stepUpFlow, type StepUpFacts, type StepUpState } from '../../flows/step-up/states.js';
import { smsCodeNeedsResend } from '../../flows/steps/sms-code.js';
import { ConflictError } from '../../services/accounts.js';
import { stepUpReason } from '../../oidc/policy.js';
import { formGuardFor, type RouteDeps } from '../../pages/deps.js';
import { faceStepRoutes } from '../../pages/face-step.js';
import { reauthBlock, reauthProofFrom, requestedMethod, sendReauthCodeForPage } from '../../pages/reauth-block.js';
import { clientNameOf, loadInteraction, type InteractionDetails } from '../../pages/interaction/details.js';
import { abortInteraction } from '../../pages/interaction/finish.js';
import { seeOther } from '../../http/redirect.js';
import { requestState } from '../../http/state.js';

type StepUpFlow = Flow<StepUpState, StepUpFacts>;
type StepUpInteraction = { uid: string; details: InteractionDetails; accountId: string; required: Acr };

export function stepUpRoutes(deps: RouteDeps): Router {
  const router = new Router({ prefix: '/interaction/:uid/step-up' });
  const { services, views } = deps;
  const assurance = services.assurance;
  const guard = formGuardFor(deps);
  const provider = () => deps.oidc.provider;
  const st = (ctx: Context) => requestState(ctx);
  const base = (uid: string) => `/interaction/${uid}/step-up`;

  /** The interaction, which must be a step-up of a signed-in account (loaded once per request). */
  const loaded = new WeakMap<Context, Promise<StepUpInteraction>>();
  const interaction = (ctx: Context): Promise<StepUpInteraction> => {
    const known = loaded.get(ctx);
    if (known) return known;
    const loading = loadStepUp(ctx);
    loaded.set(ctx, loading);
    return loading;
  };
  const loadStepUp = async (ctx: Context): Promise<StepUpInteraction> => {
    const { uid } = ctx.params as { uid: string };
    const details = await loadInteraction(ctx, provider(), uid);
    const accountId = details.session?.accountId;
    const required = (details.prompt.details as { requiredAcr?: unknown }).requiredAcr;
    if (!accountId || !details.prompt.reasons.includes(stepUpReason) || !isKnownAcr(required)) throw new FlowError('out_of_order');
    return { uid, details, accountId, required };
  };

  const loadFlow = async (ctx: Context, uid: string, id: string, states: readonly StepUpState[]): Promise<StepUpFlow> => {
    const flow = await services.flows.load<StepUpState, StepUpFacts>(stepUpFlow, id, browserIdOf(ctx), states);
    if (flow.interactionUid !== uid) throw new FlowError('not_found');
    return flow;
  };

  /** The state a flow must be in for this account and requirement right now. */
  const neededState = async (accountId: string, required: Acr, faceVerified: boolean): Promise<StepUpState> => {
    const account = await services.accounts.getAccount(accountId);
    const level = account?.level ?? 'registered';
    if (levelRank(level) < levelRank('real_name') && levelRank(levelRequiredBy(required)) >= levelRank('real_name')) return 'real_name';
    if (acrSatisfies(acrFor(level, { faceThisSignIn: faceVerified }), required)) return 'done';
    return 'face';
  };

  const show = async (ctx: Context, uid: string, details: InteractionDetails, flow: StepUpFlow, extra: Record<string, unknown> & { method?: 'pwd' | 'sms'; codeSent?: boolean } = {}, status?: number) => {
    const face = await faceStep.view(flow);
    // The real-name check is the correction of the user centre: the same proof that it is you and captcha.
    const reauth =
      flow.state === 'real_name' && flow.accountId
        ? await reauthBlock(deps, flow.accountId, { method: extra.method ?? requestedMethod(ctx), codeSent: extra.codeSent === true, sendAction: `${base(uid)}/real-name/send`, pageUrl: `${base(uid)}?flow=${flow.id}` })
        : undefined;
    const ready = reauth !== undefined && (reauth.method === 'pwd' || reauth.codeSent);
    render(
      ctx,
      views,
      'step-up/step-up.njk',
      {
        state: flow.state,
        flowId: flow.id,
        clientName: await clientNameOf(provider(), details.params.client_id),
        requiredLabel: identityLevelLabelKeys[levelRequiredBy(flow.facts.requiredAcr as Acr)],
        certTypeOptions: certTypes.map((c) => ({ value: c, label: t(st(ctx).locale, `documents.cert_type.${c}`) })),
        values: { certType: '01' },
        fieldErrors: {},
        face,
        reauth,
        ready,
        captcha: ready ? await services.captcha.issue() : undefined,
        actions: { page: `${base(uid)}?flow=${flow.id}`, realName: `${base(uid)}/real-name`, faceStart: `${base(uid)}/face/start`, cancel: `${base(uid)}/cancel` },
        ...extra,
      },
      status,
    );
  };

  /** Ends the step-up: back to the client with what this sign-in now satisfies. */
  const finish = async (ctx: Context, details: InteractionDetails, accountId: string, flow: StepUpFlow) => {
    const account = await services.accounts.getAccount(accountId);
    const faceNow = flow.facts.faceVerified === true;
    const acr = acrFor(account?.level ?? 'registered', { faceThisSignIn: faceNow });
    const amr = [...new Set([...(details.session?.amr ?? []), ...(faceNow ? ['face'] : [])])];
    await services.audit.record({ event: 'signin.step_up', outcome: 'success', subject: accountId, clientId: String(details.params.client_id ?? ''), ip: st(ctx).ip, details: { acr, required: flow.facts.requiredAcr } });
    const returnTo = await provider().interactionResult(
      ctx.req,
      ctx.res,
      { login: { accountId, acr, amr, remember: true }, stepUp: { attempted: true } },
      { mergeWithLastSubmission: false },
    );
    seeOther(ctx, returnTo);
  };

  router.get('/', async (ctx) => {
    const { uid, details, accountId, required } = await interaction(ctx);
    const id = typeof ctx.query.flow === 'string' ? ctx.query.flow : '';
    if (!id) {
      const state = await neededState(accountId, required, false);
      const flow = await services.flows.start(stepUpFlow, browserIdOf(ctx), { facts: { requiredAcr: required }, interactionUid: uid, accountId, state: state === 'done' ? 'face' : state });
      seeOther(ctx, `${base(uid)}?flow=${flow.id}`);
      return;
    }
    const flow = await loadFlow(ctx, uid, id, ['real_name', 'face']);
    await show(ctx, uid, details, flow);
  });

  /** The SMS way of proving it is you before the real-name check (a code to the bound phone after a captcha). */
  router.post('/real-name/send', async (ctx) => {
    const form = await guard(ctx);
    const { uid, details, accountId } = await interaction(ctx);
    const flow = await loadFlow(ctx, uid, field(form, 'flow', 64), ['real_name']);
    const sent = await sendReauthCodeForPage(deps, ctx, accountId, form, 'reauth');
    await show(ctx, uid, details, flow, sent.state, sent.status);
  });

  router.post('/real-name', async (ctx) => {
    const form = await guard(ctx);
    const { uid, details, accountId, required } = await interaction(ctx);
    const flow = await loadFlow(ctx, uid, field(form, 'flow', 64), ['real_name']);
    const values = { certType: field(form, 'certType', 4), documentNumber: field(form, 'documentNumber', 64), name: field(form, 'name', 64) };
    const reauth = reauthProofFrom(form, 'reauth');
    try {
      if (!isCertType(values.certType)) throw new ValidationError('documents.unknown_type', 'certType');
      await assurance.correctRealName(
        accountId,
        { certType: values.certType, documentNumber: values.documentNumber, name: values.name },
        { captchaId: field(form, 'captchaId', 64), captchaAnswer: field(form, 'captcha', 16), reauth },
        { actor: accountId, ip: st(ctx).ip, requestId: st(ctx).requestId },
      );
    } catch (err) {
      if (!(err instanceof AppError) || (err.status >= 500 && !(err instanceof UpstreamError))) throw err;
      if (err.code === 'realname.locked') {
        // A registry match holds already (e.g. from another tab): go on with what is still missing.
        seeOther(ctx, `${base(uid)}`);
        return;
      }
      const message = t(st(ctx).locale, err.code, err.params);
      const errField = (err as { field?: unknown }).field;
      const codeSent = reauth.method === 'sms' && !smsCodeNeedsResend(err.code);
      const common = { values, method: reauth.method, codeSent };
      if (err instanceof ConflictError) {
        await show(ctx, uid, details, flow, { ...common, fieldErrors: { documentNumber: message }, conflictAppeal: err.code === 'registration.document_taken' }, 409);
        return;
      }
      await show(ctx, uid, details, flow, { ...common, ...(typeof errField === 'string' ? { fieldErrors: { [errField]: message } } : { error: message }) }, err.status);
      return;
    }
    const next = await neededState(accountId, required, false);
    const moved = await services.flows.advance(stepUpFlow, flow, next);
    if (next === 'done') {
      await finish(ctx, details, accountId, moved);
      return;
    }
    seeOther(ctx, `${base(uid)}?flow=${flow.id}`);
  });

  /** The step-up flow of this interaction a face request names (the posted form, or the status poll's query). */
  const loadFaceFlow = async (ctx: Context, states: readonly StepUpState[], form: Record<string, string>): Promise<StepUpFlow> => {
    const { uid } = await interaction(ctx);
    return loadFlow(ctx, uid, ctx.method === 'GET' ? (typeof ctx.query.flow === 'string' ? ctx.query.flow : '') : field(form, 'flow', 64), states);
  };
  // The face check of the account's own identity, through the face step every journey shares; a
  // pass is recorded once, as soon as a poll or the continue sees it, and counts for this sign-in.
  const flowBase = (flow: StepUpFlow) => base(flow.interactionUid as string);
  const faceStep = faceStepRoutes<StepUpState, StepUpFacts>(router, deps, {
    flow: stepUpFlow,
    state: 'face',
    paths: { start: '/face/start', status: '/face/status', continue: '/continue' },
    urls: (flow) => ({ status: `${flowBase(flow)}/face/status?flow=${flow.id}`, continue: `${flowBase(flow)}/continue`, retry: `${flowBase(flow)}/face/start` }),
    load: loadFaceFlow,
    begin: (ctx, form) => loadFaceFlow(ctx, ['face'], form),
    identity: async (ctx) => assurance.identityOf((await interaction(ctx)).accountId),
    show: async (ctx, flow, error, status) => {
      const { uid, details } = await interaction(ctx);
      await show(ctx, uid, details, flow, { error }, status);
    },
    pageUrl: (flow) => `${flowBase(flow)}?flow=${flow.id}`,
    settle: async (ctx, flow) => {
      if (flow.facts.faceVerified) return 'passed';
      if (!flow.facts.identityKey) return 'failed';
      const result = await assurance.settledFaceResult(flow.facts.certifyId);
      if (result !== 'passed' || !flow.facts.certifyId) return result;
      const { accountId } = await interaction(ctx);
      const moved = await services.flows.advance(stepUpFlow, flow, 'face', { faceVerified: true, certifyUrl: undefined });
      await assurance.recordFaceMatch(accountId, { certifyId: flow.facts.certifyId, identityKey: flow.facts.identityKey }, { actor: accountId, ip: st(ctx).ip, requestId: st(ctx).requestId });
      flow.facts = moved.facts;
      flow.version = moved.version;
      return 'passed';
    },
    passed: async (ctx, settled) => {
      const { uid, details, accountId, required } = await interaction(ctx);
      const flow = await loadFlow(ctx, uid, settled.id, ['face']);
      const next = await neededState(accountId, required, true);
      if (next !== 'done') return show(ctx, uid, details, flow, { error: t(st(ctx).locale, 'face.not_passed') }, 400);
      await finish(ctx, details, accountId, await services.flows.advance(stepUpFlow, flow, 'done'));
    },
  });

  router.post('/cancel', async (ctx) => {
    await guard(ctx);
    const { accountId, details } = await interaction(ctx);
    await services.audit.record({ event: 'signin.step_up', outcome: 'failure', subject: accountId, clientId: String(details.params.client_id ?? ''), ip: st(ctx).ip, details: { reason: 'cancelled' } });
    await abortInteraction(ctx, provider(), 'The required identity level was not reached');
  });

  return router;
}

