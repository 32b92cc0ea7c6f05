// 电子社保卡登录: ask the national e-SSC platform for a login QR code (channel credentials, sealed
// envelope), show it, poll the platform from the server, and on AUTHORIZED read the card behind the
// opaque esscNo. A card whose status is not normal is refused with a clear message. The same QR
// round trip links an e-SSC to a signed-in account from the user centre (账号关联).

import type { EsscQrStatus, EsscUpstream } from '../adapters/upstreams/essc/types.js';
import { UpstreamError } from '../errors/app-error.js';
import type { IdentityLevel } from '../domain/levels.js';
import { FlowError, type Flow, type FlowStore } from '../flows/engine/store.js';
import { loginFederatedFlow, type LoginFederatedFacts } from '../flows/login/federated.js';
import type { FederatedState } from './federated-state.js';
import { assertedBy, upstreamFailure, upstreamUnavailable, type AttemptContext, type AuthOutcome, type Authenticator, type LinkContext, type UpstreamLinking } from './types.js';

type QrView = { flowId: string; qrContent: string; expiresAt: Date };

export interface EsscAuthenticator extends Authenticator<{ flow: string }>, UpstreamLinking<{ flow: string }> {
  /** The QR to show for an attempt of this browser and interaction, or undefined. */
  view(context: AttemptContext, flowId: string): Promise<QrView | undefined>;
  /** Asks the platform how the QR stands (server-side poll). */
  poll(context: AttemptContext, flowId: string): Promise<{ state: EsscQrStatus } | AuthOutcome>;
  /** The QR of a link attempt of this browser, account and centre session, or undefined. */
  viewLink(link: LinkContext, flowId: string): Promise<QrView | undefined>;
  pollLink(link: LinkContext, flowId: string): Promise<{ state: EsscQrStatus } | AuthOutcome>;
}

export function createEsscAuthenticator(deps: { upstream: EsscUpstream; flows: FlowStore; state: FederatedState; level: IdentityLevel }): EsscAuthenticator {
  type EsscFlow = Flow<'started' | 'done', LoginFederatedFacts>;

  /** How the QR stands, asked from the platform. */
  async function status(qrId: string): Promise<{ state: EsscQrStatus } | AuthOutcome> {
    try {
      return { state: (await deps.upstream.query(qrId)).status };
    } catch (err) {
      if (err instanceof UpstreamError) return upstreamFailure(err);
      throw err;
    }
  }

  /** Once the phone authorised: uses the attempt up (`useUp`, false when already used), reads the card. */
  async function settle(qrId: string, useUp: () => Promise<boolean>): Promise<AuthOutcome> {
    try {
      const answer = await deps.upstream.query(qrId);
      if (answer.status === 'rejected') return { kind: 'failed', code: 'login.essc_rejected', status: 400 };
      if (answer.status === 'expired') return { kind: 'failed', code: 'login.qr_expired', status: 400 };
      if (answer.status !== 'authorized') return { kind: 'pending', state: answer.status };
      if (!(await useUp())) return { kind: 'failed', code: 'flow.invalid', status: 400 };
      const card = await deps.upstream.cardInfo(answer.esscNo);
      if (!card.cardStatusNormal) return { kind: 'failed', code: 'login.essc_card_abnormal', status: 403 };
      const { identity } = card;
      return assertedBy('essc', identity, deps.level);
    } catch (err) {
      if (err instanceof UpstreamError) return upstreamFailure(err);
      throw err;
    }
  }

  async function attempt(context: AttemptContext, flowId: string): Promise<EsscFlow | undefined> {
    try {
      const flow = await deps.flows.load<'started' | 'done', LoginFederatedFacts>(loginFederatedFlow, flowId, context.browserId, ['started']);
      return flow.facts.method === 'essc' && flow.interactionUid === context.uid && flow.facts.qrId ? flow : undefined;
    } catch (err) {
      if (err instanceof FlowError) return undefined;
      throw err;
    }
  }

  return {
    method: 'essc',

    async begin(context) {
      let qr;
      try {
        qr = await deps.upstream.createLoginQr();
      } catch (err) {
        if (err instanceof UpstreamError) return upstreamUnavailable();
        throw err;
      }
      const flow = await deps.flows.start<'started' | 'done', LoginFederatedFacts>(loginFederatedFlow, context.browserId, {
        facts: { method: 'essc', qrId: qr.qrId, qrContent: qr.qrContent, qrExpiresAt: qr.expiresAt.toISOString() },
        interactionUid: context.uid,
      });
      return { kind: 'redirect', url: `/interaction/${context.uid}/federated/essc?flow=${flow.id}` };
    },

    async view(context, flowId) {
      const flow = await attempt(context, flowId);
      if (!flow?.facts.qrContent) return undefined;
      return { flowId: flow.id, qrContent: flow.facts.qrContent, expiresAt: new Date(flow.facts.qrExpiresAt ?? 0) };
    },

    async poll(context, flowId) {
      const flow = await attempt(context, flowId);
      if (!flow) return { kind: 'failed', code: 'flow.invalid', status: 400 };
      return status(flow.facts.qrId as string);
    },

    async complete(context, input) {
      const flow = await attempt(context, input.flow);
      if (!flow) return { kind: 'failed', code: 'flow.invalid', status: 400 };
      return settle(flow.facts.qrId as string, async () => {
        try {
          await deps.flows.advance(loginFederatedFlow, flow, 'done');
          return true;
        } catch (err) {
          if (err instanceof FlowError) return false;
          throw err;
        }
      });
    },

    async beginLink(link, qrPage) {
      let qr;
      try {
        qr = await deps.upstream.createLoginQr();
      } catch (err) {
        if (err instanceof UpstreamError) return upstreamUnavailable();
        throw err;
      }
      const { flow } = await deps.state.startLink(link, 'essc', { qrId: qr.qrId, qrContent: qr.qrContent, qrExpiresAt: qr.expiresAt.toISOString() });
      return { kind: 'redirect', url: qrPage(flow.id) };
    },

    async viewLink(link, flowId) {
      const flow = await deps.state.loadLink(link, flowId, 'essc');
      if (!flow?.facts.qrContent) return undefined;
      return { flowId: flow.id, qrContent: flow.facts.qrContent, expiresAt: new Date(flow.facts.qrExpiresAt ?? 0) };
    },

    async pollLink(link, flowId) {
      const flow = await deps.state.loadLink(link, flowId, 'essc');
      if (!flow?.facts.qrId) return { kind: 'failed', code: 'flow.invalid', status: 400 };
      return status(flow.facts.qrId);
    },

    async completeLink(link, input) {
      const flow = await deps.state.loadLink(link, input.flow, 'essc');
      if (!flow?.facts.qrId) return { kind: 'failed', code: 'flow.invalid', status: 400 };
      return settle(flow.facts.qrId, async () => (await deps.state.useLink(flow)) !== undefined);
    },
  };
}
