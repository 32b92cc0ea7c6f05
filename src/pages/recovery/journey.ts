// What the recovery and appeal pages (an identity typed, then proven, in a flow at /flow/:id) share:
// the steps' dependencies (a typed identity is kept in a flow only sealed) and who asks, the face
// step's routes for that identity, and the one shape of a flow page's POST (guard, flow, step, present).

import type Router from '@koa/router';
import type { Context } from 'koa';
import type { FlowDefinition } from '../../flows/engine/definition.js';
import type { Flow } from '../../flows/engine/store.js';
import type { IdentityStepDeps, StepContext } from '../../flows/steps/identity-steps.js';
import { browserIdOf } from '../../http/csrf.js';
import type { FormGuard } from '../../http/form-guard.js';
import { requestState } from '../../http/state.js';
import type { RouteDeps } from '../deps.js';
import type { FaceFacts, FaceStep } from '../face-step.js';
import { openIdentity, sealIdentity } from '../identity-form.js';

/** The steps' dependencies built from `deps`. */
export function identityStepDeps(deps: Pick<RouteDeps, 'services' | 'secrets'>): IdentityStepDeps {
  const { cipher } = deps.secrets;
  return {
    services: deps.services,
    blindIndex: deps.secrets.blindIndex,
    identities: { seal: (identity) => sealIdentity(cipher, identity), open: (envelope) => openIdentity(cipher, envelope) },
  };
}

/** Who asks, as the steps record it (the client address and the request id). */
export function stepContext(ctx: Context): StepContext {
  const { ip, requestId } = requestState(ctx);
  return { ip, requestId };
}

/** Loads the flow of `def` that the path's :id names, bound to this browser, in one of `states`. Throws FlowError. */
export function flowOfPath<S extends string, F extends Record<string, unknown>>(deps: Pick<RouteDeps, 'services'>, def: FlowDefinition<S>) {
  return (ctx: Context, states: readonly S[]): Promise<Flow<S, F>> => deps.services.flows.load<S, F>(def, (ctx.params as { id: string }).id, browserIdOf(ctx), states);
}

/** The face step of a flow under `prefix` (/recover, /appeal): its routes at /flow/:id/face (…/status, …/continue), its page, and the sealed identity it checks. */
export function sealedIdentityFace<S extends string, F extends FaceFacts & { identityEnvelope: string }>(
  prefix: string,
  steps: IdentityStepDeps,
): Pick<FaceStep<S, F>, 'paths' | 'urls' | 'pageUrl' | 'identity'> {
  return {
    paths: { start: '/flow/:id/face', status: '/flow/:id/face/status', continue: '/flow/:id/face/continue' },
    urls: (flow) => ({ status: `${prefix}/flow/${flow.id}/face/status`, continue: `${prefix}/flow/${flow.id}/face/continue`, retry: `${prefix}/flow/${flow.id}/face` }),
    pageUrl: (flow) => `${prefix}/flow/${flow.id}`,
    identity: async (_ctx, flow) => steps.identities.open(flow.facts.identityEnvelope),
  };
}

/**
 * The POSTs of a flow's page on `router`: each runs the form guard first, loads the flow in one of
 * its `states`, runs its step with the form, and presents the step's outcome.
 */
export function flowPagePosts<S extends string, F extends Record<string, unknown>, O>(
  router: Router,
  guard: FormGuard,
  load: (ctx: Context, states: readonly S[]) => Promise<Flow<S, F>>,
  present: (ctx: Context, flow: Flow<S, F>, outcome: O) => Promise<void>,
) {
  return (path: string, states: readonly S[], step: (form: Record<string, string>, flow: Flow<S, F>, ctx: Context) => Promise<O>): void => {
    router.post(path, async (ctx) => {
      const form = await guard(ctx);
      const flow = await load(ctx, states);
      await present(ctx, flow, await step(form, flow, ctx));
    });
  };
}
