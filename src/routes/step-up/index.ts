// /interaction/:uid/step-up — the missing steps when a client asks for a higher acr than this
// sign-in has (see src/oidc/policy.ts): the real-name check, then a face check asked server-side;
// then back to the client with the higher acr, or access_denied when the citizen gives up.

import Router from '@koa/router';
import type { Context } from 'koa';
import { certTypes, isCertType } from '../../domain/documents.js';
import { acrFor, acrSatisfies, identityLevelLabelKeys, isKnownAcr, levelRank, levelRequiredBy, type Acr } from '../../domain/levels.js';
import { UpstreamError, ValidationError } from '../../errors/app-error.js';
import { field } from '../../http/body.js';
import { browserIdOf } from '../../http/csrf.js';
import type { RequestState } from '../../http/state.js';
import { render } from '../../http/views.js';
import { t } from '../../i18n/index.js';
import { FlowError, type Flow } from '../../flows/engine/store.js';
import { stepUpFlow, type StepUpFacts, type StepUpState } from '../../flows/step-up/states.js';
import { ConflictError } from '../../services/accounts.js';
import { stepUpReason } from '../../oidc/policy.js';
import { formGuardFor, type RouteDeps } from '../deps.js';
import { faceView } from '../face-step.js';
import { clientNameOf, loadInteraction, type InteractionDetails } from '../interaction/details.js';
import { abortInteraction } from '../interaction/finish.js';

type StepUpFlow = Flow<StepUpState, StepUpFacts>;

export function stepUpRoutes(deps: RouteDeps): Router {
  const router = new Router({ prefix: '/interaction/:uid/step-up' });
  const { services, views, config } = deps;
  const assurance = services.assurance;
  const guard = formGuardFor(deps);
  const provider = () => deps.oidc.provider;
  const st = (ctx: Context) => ctx.state as RequestState;
  const base = (uid: string) => `/interaction/${uid}/step-up`;

  /** The interaction, which must be a step-up of a signed-in account. */
  const interaction = async (ctx: Context): Promise<{ uid: string; details: InteractionDetails; accountId: string; required: Acr }> => {
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

  const show = async (ctx: Context, uid: string, details: InteractionDetails, flow: StepUpFlow, extra: Record<string, unknown> = {}, status?: number) => {
    const face =
      flow.state === 'face' && flow.facts.certifyUrl
        ? await faceView({
            certifyUrl: flow.facts.certifyUrl,
            development: config.env !== 'production',
            flowId: flow.id,
            statusUrl: `${base(uid)}/face/status?flow=${flow.id}`,
            continueUrl: `${base(uid)}/continue`,
            retryUrl: `${base(uid)}/face/start`,
          })
        : undefined;
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
        actions: { realName: `${base(uid)}/real-name`, faceStart: `${base(uid)}/face/start`, cancel: `${base(uid)}/cancel` },
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
    ctx.redirect(returnTo);
    ctx.status = 303;
  };

  router.get('/', async (ctx) => {
    const { uid, details, accountId, required } = await interaction(ctx);
    const id = typeof ctx.query.flow === 'string' ? ctx.query.flow : '';
    if (!id) {
      const state = await neededState(accountId, required, false);
      const flow = await services.flows.start(stepUpFlow, browserIdOf(ctx), { facts: { requiredAcr: required }, interactionUid: uid, accountId, state: state === 'done' ? 'face' : state });
      ctx.redirect(`${base(uid)}?flow=${flow.id}`);
      ctx.status = 303;
      return;
    }
    const flow = await loadFlow(ctx, uid, id, ['real_name', 'face']);
    await show(ctx, uid, details, flow);
  });

  router.post('/real-name', async (ctx) => {
    const form = await guard(ctx);
    const { uid, details, accountId, required } = await interaction(ctx);
    const flow = await loadFlow(ctx, uid, field(form, 'flow', 64), ['real_name']);
    const values = { certType: field(form, 'certType', 4), documentNumber: field(form, 'documentNumber', 64), name: field(form, 'name', 64) };
    try {
      if (!isCertType(values.certType)) throw new ValidationError('documents.unknown_type', 'certType');
      await assurance.correctRealName(accountId, { certType: values.certType, documentNumber: values.documentNumber, name: values.name }, { actor: accountId, ip: st(ctx).ip, requestId: st(ctx).requestId });
    } catch (err) {
      const tr = (code: string) => t(st(ctx).locale, code);
      if (err instanceof ValidationError) {
        await show(ctx, uid, details, flow, { values, fieldErrors: { [err.field ?? 'name']: tr(err.code) } }, 400);
        return;
      }
      if (err instanceof ConflictError) {
        await show(ctx, uid, details, flow, { values, fieldErrors: { documentNumber: tr('register.document_taken') }, conflictAppeal: true }, 409);
        return;
      }
      if (err instanceof UpstreamError) {
        await show(ctx, uid, details, flow, { values, error: tr(err.code) }, 503);
        return;
      }
      throw err;
    }
    const next = await neededState(accountId, required, false);
    const moved = await services.flows.advance(stepUpFlow, flow, next);
    if (next === 'done') {
      await finish(ctx, details, accountId, moved);
      return;
    }
    ctx.redirect(`${base(uid)}?flow=${flow.id}`);
    ctx.status = 303;
  });

  router.post('/face/start', async (ctx) => {
    const form = await guard(ctx);
    const { uid, details, accountId } = await interaction(ctx);
    const flow = await loadFlow(ctx, uid, field(form, 'flow', 64), ['face']);
    const identity = await assurance.identityOf(accountId);
    if (!identity) {
      await show(ctx, uid, details, flow, { error: t(st(ctx).locale, 'stepup.no_document') }, 400);
      return;
    }
    try {
      const started = await assurance.startFaceCheck(identity);
      await services.flows.advance(stepUpFlow, flow, 'face', { certifyId: started.certifyId, certifyUrl: started.certifyUrl });
    } catch (err) {
      if (!(err instanceof UpstreamError)) throw err;
      await show(ctx, uid, details, flow, { error: t(st(ctx).locale, 'face.unavailable') }, 503);
      return;
    }
    ctx.redirect(`${base(uid)}?flow=${flow.id}`);
    ctx.status = 303;
  });

  /** Asks the verifier (never the browser) for the result; a pass is recorded once. */
  const settleFace = async (ctx: Context, flow: StepUpFlow, accountId: string): Promise<'pending' | 'passed' | 'failed'> => {
    if (flow.facts.faceVerified) return 'passed';
    if (!flow.facts.certifyId) return 'failed';
    const result = await assurance.faceResult(flow.facts.certifyId);
    if (result !== 'passed') return result;
    const moved = await services.flows.advance(stepUpFlow, flow, 'face', { faceVerified: true, certifyUrl: undefined });
    await assurance.recordFaceMatch(accountId, flow.facts.certifyId, { actor: accountId, ip: st(ctx).ip, requestId: st(ctx).requestId });
    flow.facts = moved.facts;
    flow.version = moved.version;
    return 'passed';
  };

  router.get('/face/status', async (ctx) => {
    const { uid, accountId } = await interaction(ctx);
    const flow = await loadFlow(ctx, uid, typeof ctx.query.flow === 'string' ? ctx.query.flow : '', ['face']);
    let status: 'pending' | 'passed' | 'failed';
    try {
      status = await settleFace(ctx, flow, accountId);
    } catch (err) {
      if (err instanceof FlowError && err.reason === 'conflict') status = 'pending';
      else if (err instanceof UpstreamError) status = 'pending';
      else throw err;
    }
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { status };
  });

  router.post('/continue', async (ctx) => {
    const form = await guard(ctx);
    const { uid, details, accountId, required } = await interaction(ctx);
    let flow = await loadFlow(ctx, uid, field(form, 'flow', 64), ['face']);
    const status = await settleFace(ctx, flow, accountId).catch((err: unknown) => {
      if (err instanceof UpstreamError) return 'pending' as const;
      throw err;
    });
    if (status !== 'passed') {
      await show(ctx, uid, details, flow, { error: t(st(ctx).locale, status === 'failed' ? 'face.failed' : 'face.not_passed') }, 400);
      return;
    }
    flow = await loadFlow(ctx, uid, flow.id, ['face']);
    const next = await neededState(accountId, required, true);
    if (next !== 'done') {
      await show(ctx, uid, details, flow, { error: t(st(ctx).locale, 'face.not_passed') }, 400);
      return;
    }
    await finish(ctx, details, accountId, await services.flows.advance(stepUpFlow, flow, 'done'));
  });

  router.post('/cancel', async (ctx) => {
    await guard(ctx);
    const { accountId, details } = await interaction(ctx);
    await services.audit.record({ event: 'signin.step_up', outcome: 'failure', subject: accountId, clientId: String(details.params.client_id ?? ''), ip: st(ctx).ip, details: { reason: 'cancelled' } });
    await abortInteraction(ctx, provider(), 'The required identity level was not reached');
  });

  return router;
}

