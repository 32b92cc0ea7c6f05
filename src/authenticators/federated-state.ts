// The `state` a redirecting upstream (江苏政务, 支付宝) carries back: `<flow id>.<mac>`, where the flow
// is bound to this browser and interaction; and the PKCE verifier derived from the flow id, so no
// secret is stored. A state that does not verify is refused before anything is redeemed.

import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { FlowStore } from '../flows/engine/store.js';
import { FlowError } from '../flows/engine/store.js';
import { loginFederatedFlow, type LoginFederatedFacts } from '../flows/login/federated.js';
import type { Flow } from '../flows/engine/store.js';
import type { AttemptContext, FederatedMethod } from './types.js';

export interface FederatedState {
  /** Starts the attempt; returns the state to send and the PKCE pair. */
  start(context: AttemptContext, method: FederatedMethod, facts?: Partial<LoginFederatedFacts>): Promise<{ flow: Flow<'started' | 'done', LoginFederatedFacts>; state: string; verifier: string; challenge: string }>;
  /** The interaction a returning state belongs to (for the fixed callback route), or undefined. */
  interactionOf(state: string, browserId: string, method: FederatedMethod): Promise<string | undefined>;
  /** Checks the state against this browser and interaction and uses the attempt up (once). Undefined when it does not match. */
  consume(context: AttemptContext, state: string, method: FederatedMethod): Promise<{ flow: Flow<'started' | 'done', LoginFederatedFacts>; verifier: string } | undefined>;
}

export function createFederatedState(deps: { flows: FlowStore; key: Buffer }): FederatedState {
  const mac = (flowId: string, method: string) => createHmac('sha256', deps.key).update(`federated-state:${method}:${flowId}`).digest('base64url');
  const verifierOf = (flowId: string) => createHmac('sha256', deps.key).update(`federated-pkce:${flowId}`).digest('base64url');
  const parse = (state: string, method: string): string | undefined => {
    const match = /^([0-9a-f-]{36})\.([A-Za-z0-9_-]{43})$/.exec(typeof state === 'string' ? state : '');
    if (!match) return undefined;
    const expected = Buffer.from(mac(match[1] as string, method));
    const given = Buffer.from(match[2] as string);
    return expected.length === given.length && timingSafeEqual(expected, given) ? (match[1] as string) : undefined;
  };
  const load = async (flowId: string, browserId: string, method: FederatedMethod) => {
    try {
      const flow = await deps.flows.load<'started' | 'done', LoginFederatedFacts>(loginFederatedFlow, flowId, browserId, ['started']);
      return flow.facts.method === method ? flow : undefined;
    } catch (err) {
      if (err instanceof FlowError) return undefined;
      throw err;
    }
  };

  return {
    async start(context, method, facts = {}) {
      const flow = await deps.flows.start<'started' | 'done', LoginFederatedFacts>(loginFederatedFlow, context.browserId, { facts: { ...facts, method }, interactionUid: context.uid });
      const verifier = verifierOf(flow.id);
      return { flow, state: `${flow.id}.${mac(flow.id, method)}`, verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
    },

    async interactionOf(state, browserId, method) {
      const flowId = parse(state, method);
      const flow = flowId ? await load(flowId, browserId, method) : undefined;
      return flow?.interactionUid ?? undefined;
    },

    async consume(context, state, method) {
      const flowId = parse(state, method);
      const flow = flowId ? await load(flowId, context.browserId, method) : undefined;
      if (!flow || flow.interactionUid !== context.uid) return undefined;
      try {
        const done = await deps.flows.advance(loginFederatedFlow, flow, 'done');
        return { flow: done, verifier: verifierOf(flow.id) };
      } catch (err) {
        if (err instanceof FlowError) return undefined; // a parallel callback used it first
        throw err;
      }
    },
  };
}
