// The `state` a redirecting upstream (江苏政务, 支付宝) carries back: `<flow id>.<mac>`, where the flow
// is bound to this browser and interaction (sign-in) or to this browser, account and centre session
// (账号关联 from the user centre; its own flow kind and MAC label, so neither state passes for the
// other); and the PKCE verifier derived from the flow id, so no secret is stored. A state that does
// not verify is refused before anything is redeemed, and every attempt is used up once.

import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { FlowStore } from '../flows/engine/store.js';
import { FlowError } from '../flows/engine/store.js';
import { loginFederatedFlow, type LoginFederatedFacts } from '../flows/login/federated.js';
import { accountLinkFlow, type AccountLinkFacts, type AccountLinkState } from '../flows/account-centre/link.js';
import type { Flow } from '../flows/engine/store.js';
import type { UpstreamName } from '../domain/sign-in-methods.js';
import type { AttemptContext, LinkContext } from './types.js';

export type LinkAttempt = Flow<AccountLinkState, AccountLinkFacts>;

export interface FederatedState {
  /** Starts the attempt; returns the state to send and the PKCE pair. */
  start(context: AttemptContext, method: UpstreamName, facts?: Partial<LoginFederatedFacts>): Promise<{ flow: Flow<'started' | 'done', LoginFederatedFacts>; state: string; verifier: string; challenge: string }>;
  /** The interaction a returning state belongs to (for the fixed callback route), or undefined. */
  interactionOf(state: string, browserId: string, method: UpstreamName): Promise<string | undefined>;
  /** Checks the state against this browser and interaction and uses the attempt up (once). Undefined when it does not match. */
  consume(context: AttemptContext, state: string, method: UpstreamName): Promise<{ flow: Flow<'started' | 'done', LoginFederatedFacts>; verifier: string } | undefined>;

  /** Starts a 账号关联 attempt of the signed-in account; returns the state to send and the PKCE pair. */
  startLink(link: LinkContext, method: UpstreamName, facts?: Partial<AccountLinkFacts>): Promise<{ flow: LinkAttempt; state: string; verifier: string; challenge: string }>;
  /**
   * Whether a returning state was minted for a link attempt (its MAC verifies; nothing is looked up):
   * the fixed callback sends it on to the user centre, which checks browser, account, session and use.
   */
  isLinkState(state: string, method: UpstreamName): boolean;
  /** Checks the state against this browser, account and centre session and uses the attempt up (once). */
  consumeLink(link: LinkContext, state: string, method: UpstreamName): Promise<{ flow: LinkAttempt; verifier: string } | undefined>;
  /** The live link attempt `flowId` of this browser, account and session (e-SSC: the QR travels by flow id), or undefined. */
  loadLink(link: LinkContext, flowId: string, method: UpstreamName): Promise<LinkAttempt | undefined>;
  /** Uses a loaded link attempt up; undefined when a parallel request used it first. */
  useLink(flow: LinkAttempt): Promise<LinkAttempt | undefined>;
}

export function createFederatedState(deps: { flows: FlowStore; key: Buffer }): FederatedState {
  type Purpose = 'signin' | 'link';
  const mac = (flowId: string, method: string, purpose: Purpose = 'signin') =>
    createHmac('sha256', deps.key).update(purpose === 'signin' ? `federated-state:${method}:${flowId}` : `account-link-state:${method}:${flowId}`).digest('base64url');
  const verifierOf = (flowId: string) => createHmac('sha256', deps.key).update(`federated-pkce:${flowId}`).digest('base64url');
  const sessionTag = (sessionId: string) => createHmac('sha256', deps.key).update(`account-link-session:${sessionId}`).digest('base64url');
  const parse = (state: string, method: string, purpose: Purpose = 'signin'): string | undefined => {
    const match = /^([0-9a-f-]{36})\.([A-Za-z0-9_-]{43})$/.exec(typeof state === 'string' ? state : '');
    if (!match) return undefined;
    const expected = Buffer.from(mac(match[1] as string, method, purpose));
    const given = Buffer.from(match[2] as string);
    return expected.length === given.length && timingSafeEqual(expected, given) ? (match[1] as string) : undefined;
  };
  const load = async (flowId: string, browserId: string, method: UpstreamName) => {
    try {
      const flow = await deps.flows.load<'started' | 'done', LoginFederatedFacts>(loginFederatedFlow, flowId, browserId, ['started']);
      return flow.facts.method === method ? flow : undefined;
    } catch (err) {
      if (err instanceof FlowError) return undefined;
      throw err;
    }
  };

  const loadLinkFlow = async (flowId: string, browserId: string, method: UpstreamName) => {
    try {
      const flow = await deps.flows.load<AccountLinkState, AccountLinkFacts>(accountLinkFlow, flowId, browserId, ['started']);
      return flow.facts.method === method ? flow : undefined;
    } catch (err) {
      if (err instanceof FlowError) return undefined;
      throw err;
    }
  };

  const loadLink = async (link: LinkContext, flowId: string, method: UpstreamName): Promise<LinkAttempt | undefined> => {
    const flow = await loadLinkFlow(flowId, link.browserId, method);
    return flow && flow.accountId === link.accountId && flow.facts.session === sessionTag(link.sessionId) ? flow : undefined;
  };

  const useLink = async (flow: LinkAttempt): Promise<LinkAttempt | undefined> => {
    try {
      return await deps.flows.advance(accountLinkFlow, flow, 'done');
    } catch (err) {
      if (err instanceof FlowError) return undefined; // a parallel request used it first
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

    async startLink(link, method, facts = {}) {
      const flow = await deps.flows.start<AccountLinkState, AccountLinkFacts>(accountLinkFlow, link.browserId, {
        facts: { ...facts, method, session: sessionTag(link.sessionId) },
        accountId: link.accountId,
      });
      const verifier = verifierOf(flow.id);
      return { flow, state: `${flow.id}.${mac(flow.id, method, 'link')}`, verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
    },

    isLinkState(state, method) {
      return parse(state, method, 'link') !== undefined;
    },

    async consumeLink(link, state, method) {
      const flowId = parse(state, method, 'link');
      const flow = flowId ? await loadLink(link, flowId, method) : undefined;
      const used = flow ? await useLink(flow) : undefined;
      return used ? { flow: used, verifier: verifierOf(used.id) } : undefined;
    },

    loadLink,
    useLink,
  };
}
