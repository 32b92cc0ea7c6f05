// 电子社保卡登录: ask the national e-SSC platform for a login QR code (channel credentials, sealed
// envelope), show it, poll the platform from the server, and on AUTHORIZED read the card behind the
// opaque esscNo. A card whose status is not normal is refused with a clear message.

import type { EsscQrStatus, EsscUpstream } from '../adapters/upstreams/essc/types.js';
import { UpstreamError } from '../errors/app-error.js';
import type { IdentityLevel } from '../domain/levels.js';
import { FlowError, type Flow, type FlowStore } from '../flows/engine/store.js';
import { loginFederatedFlow, type LoginFederatedFacts } from '../flows/login/federated.js';
import { upstreamFailure, upstreamUnavailable, type AttemptContext, type AuthOutcome, type Authenticator } from './types.js';

export interface EsscAuthenticator extends Authenticator<{ flow: string }> {
  /** The QR to show for an attempt of this browser and interaction, or undefined. */
  view(context: AttemptContext, flowId: string): Promise<{ flowId: string; qrContent: string; expiresAt: Date } | undefined>;
  /** Asks the platform how the QR stands (server-side poll). */
  poll(context: AttemptContext, flowId: string): Promise<{ state: EsscQrStatus } | AuthOutcome>;
}

export function createEsscAuthenticator(deps: { upstream: EsscUpstream; flows: FlowStore; level: IdentityLevel }): EsscAuthenticator {
  type EsscFlow = Flow<'started' | 'done', LoginFederatedFacts>;

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
      try {
        return { state: (await deps.upstream.query(flow.facts.qrId as string)).status };
      } catch (err) {
        if (err instanceof UpstreamError) return upstreamFailure(err);
        throw err;
      }
    },

    async complete(context, input) {
      const flow = await attempt(context, input.flow);
      if (!flow) return { kind: 'failed', code: 'flow.invalid', status: 400 };
      try {
        const answer = await deps.upstream.query(flow.facts.qrId as string);
        if (answer.status === 'rejected') return { kind: 'failed', code: 'login.essc_rejected', status: 400 };
        if (answer.status === 'expired') return { kind: 'failed', code: 'login.qr_expired', status: 400 };
        if (answer.status !== 'authorized') return { kind: 'pending', state: answer.status };
        try {
          await deps.flows.advance(loginFederatedFlow, flow, 'done');
        } catch (err) {
          if (err instanceof FlowError) return { kind: 'failed', code: 'flow.invalid', status: 400 };
          throw err;
        }
        const card = await deps.upstream.cardInfo(answer.esscNo);
        if (!card.cardStatusNormal) return { kind: 'failed', code: 'login.essc_card_abnormal', status: 403 };
        const { identity } = card;
        return {
          kind: 'asserted',
          amr: ['fed', 'essc'],
          assertion: {
            upstream: 'essc',
            subject: identity.subject,
            level: deps.level,
            ...(identity.name ? { name: identity.name } : {}),
            ...(identity.certType ? { certType: identity.certType } : {}),
            ...(identity.idNumber ? { idNumber: identity.idNumber } : {}),
          },
        };
      } catch (err) {
        if (err instanceof UpstreamError) return upstreamFailure(err);
        throw err;
      }
    },
  };
}
