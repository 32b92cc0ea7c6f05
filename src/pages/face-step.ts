// The face step every journey shares (忘记密码, 用户申诉, 更换手机号, the user centre's 实人 upgrade, step-up):
// start or retry a check of an identity the server knows (never one the browser names), poll its
// result from the verifier server-side, continue once it passed; and the face block's view model.

import type Router from '@koa/router';
import type { Context } from 'koa';
import QRCode from 'qrcode';
import type { FaceResult } from '../adapters/face-verification/types.js';
import { UpstreamError } from '../errors/app-error.js';
import type { FlowDefinition } from '../flows/engine/definition.js';
import { FlowError, type Flow } from '../flows/engine/store.js';
import { t } from '../i18n/index.js';
import type { PersonIdentity } from '../services/identity-assurance.js';
import { formGuardFor, type RouteDeps } from './deps.js';
import { seeOther } from '../http/redirect.js';
import { requestState } from '../http/state.js';

/** The view model of the face block (views/macros/face.njk). */
export interface FaceView {
  qrImage: string;
  /** The same check opened on this device (a phone cannot scan its own screen); in development the simulator. */
  openUrl: string;
  simulateUrl: string | undefined;
  statusUrl: string;
  continueUrl: string;
  retryUrl: string;
  flowId: string;
  /** The other ways of this journey (label keys), shown under the check; the service desk always follows. */
  alternatives: FaceAlternative[];
}

/** Another way through a journey when a face check cannot pass (an i18n label key and where it goes). */
export interface FaceAlternative {
  href: string;
  label: string;
}

/** The QR of the verifier's certify URL (rendered by us), the development-only 模拟扫码 link, and where the page polls, continues and retries. */
export async function faceView(input: { certifyUrl: string; development: boolean; flowId: string; statusUrl: string; continueUrl: string; retryUrl: string; alternatives?: FaceAlternative[] }): Promise<FaceView> {
  return {
    qrImage: await QRCode.toDataURL(input.certifyUrl, { margin: 1, width: 240 }),
    openUrl: input.certifyUrl,
    simulateUrl: input.development ? input.certifyUrl : undefined,
    statusUrl: input.statusUrl,
    continueUrl: input.continueUrl,
    retryUrl: input.retryUrl,
    flowId: input.flowId,
    alternatives: input.alternatives ?? [],
  };
}

/** What a flow running a face check holds (the verifier's id and the URL the phone opens). */
export interface FaceFacts extends Record<string, unknown> {
  certifyId?: string;
  certifyUrl?: string;
  /** Who the check is of (identity-levels' key): a pass proves that identity, whichever the account holds later. */
  identityKey?: string;
}

type Form = Record<string, string>;

/** How one journey plugs into the face step. */
export interface FaceStep<S extends string, F extends FaceFacts> {
  flow: FlowDefinition<S>;
  /** The state the check runs in: start and retry (re)enter it, status and continue expect it. */
  state: S;
  /** The three routes, relative to the router's prefix. */
  paths: { start: string; status: string; continue: string };
  /** The URLs the face block of a flow polls, continues and retries at. */
  urls(flow: Flow<S, F>): { status: string; continue: string; retry: string };
  /** The flow this request names (path, query or form) in one of `states`. Throws FlowError. */
  load(ctx: Context, states: readonly S[], form: Form): Promise<Flow<S, F>>;
  /** The flow a start runs the check in (an existing one, or a new one), or undefined once it answered itself. */
  begin(ctx: Context, form: Form): Promise<Flow<S, F> | undefined>;
  /** The identity to check, known server-side (the account's own, or the one sealed in the flow). */
  identity(ctx: Context, flow: Flow<S, F>): Promise<PersonIdentity | undefined>;
  /** The journey's page again with a (translated) message. */
  show(ctx: Context, flow: Flow<S, F>, error: string, status: number): Promise<void>;
  /** Where the browser sees the check it started. */
  pageUrl(flow: Flow<S, F>): string;
  /** The journey's other ways (SMS recovery, the old phone's code …); optional. */
  alternatives?(flow: Flow<S, F>): FaceAlternative[];
  /**
   * How this journey asks the verifier for the result (status and continue); optional, by default
   * the settled result. Step-up records a pass in the flow as soon as a poll sees it.
   */
  settle?(ctx: Context, flow: Flow<S, F>): Promise<FaceResult>;
  /** Every result a continue settled (for the journey's audit); optional. */
  settled?(ctx: Context, flow: Flow<S, F>, result: FaceResult): Promise<void>;
  /** The check passed (asked server-side): move the journey on and answer the request. */
  passed(ctx: Context, flow: Flow<S, F>): Promise<void>;
}

export interface MountedFaceStep<S extends string, F extends FaceFacts> {
  /** The face block of a flow whose check is running, else undefined. */
  view(flow: Flow<S, F>): Promise<FaceView | undefined>;
}

/** Mounts POST start, GET status (JSON) and POST continue of `step` on `router`; every POST runs the form guard. */
export function faceStepRoutes<S extends string, F extends FaceFacts>(router: Router, deps: RouteDeps, step: FaceStep<S, F>): MountedFaceStep<S, F> {
  const { services } = deps;
  const guard = formGuardFor(deps);
  const tr = (ctx: Context, key: string) => t((requestState(ctx)).locale, key);
  const settle = (ctx: Context, flow: Flow<S, F>): Promise<FaceResult> => (step.settle ? step.settle(ctx, flow) : services.assurance.settledFaceResult(flow.facts.certifyId));

  router.post(step.paths.start, async (ctx) => {
    const form = await guard(ctx);
    const flow = await step.begin(ctx, form);
    if (!flow) return;
    const identity = await step.identity(ctx, flow);
    if (!identity) return step.show(ctx, flow, tr(ctx, 'stepup.no_document'), 400);
    let moved: Flow<S, F>;
    try {
      const started = await services.assurance.startFaceCheck(identity);
      moved = await services.flows.advance(step.flow, flow, step.state, { certifyId: started.certifyId, certifyUrl: started.certifyUrl, identityKey: started.identityKey } as Partial<F>);
    } catch (err) {
      if (err instanceof UpstreamError) return step.show(ctx, flow, tr(ctx, 'face.unavailable'), 503);
      throw err;
    }
    seeOther(ctx, step.pageUrl(moved));
  });

  router.get(step.paths.status, async (ctx) => {
    const flow = await step.load(ctx, [step.state], {});
    ctx.set('Cache-Control', 'no-store');
    // A poll racing another that moved the flow just now sees it as still pending.
    const status = await settle(ctx, flow).catch((err: unknown) => {
      if (err instanceof FlowError && err.reason === 'conflict') return 'pending' as const;
      throw err;
    });
    ctx.body = { status };
  });

  router.post(step.paths.continue, async (ctx) => {
    const form = await guard(ctx);
    const flow = await step.load(ctx, [step.state], form);
    const result = await settle(ctx, flow);
    await step.settled?.(ctx, flow, result);
    if (result !== 'passed') return step.show(ctx, flow, tr(ctx, result === 'failed' ? 'face.failed' : 'face.not_passed'), 400);
    await step.passed(ctx, flow);
  });

  return {
    async view(flow) {
      if (flow.state !== step.state || !flow.facts.certifyUrl) return undefined;
      const urls = step.urls(flow);
      return faceView({ certifyUrl: flow.facts.certifyUrl, development: deps.config.env !== 'production', flowId: flow.id, statusUrl: urls.status, continueUrl: urls.continue, retryUrl: urls.retry, alternatives: step.alternatives?.(flow) ?? [] });
    },
  };
}
