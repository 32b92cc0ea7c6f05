// 江苏政务登录: OAuth 2.0 authorization code with state and PKCE against the 江苏政务服务 identity
// service; the userinfo's 实名/实人 maps to our level through config (adapters.jszw.levels). The same
// round trip links a 江苏政务 account from the user centre (账号关联).

import type { JszwUpstream } from '../adapters/upstreams/jszw/types.js';
import { UpstreamError } from '../errors/app-error.js';
import type { IdentityLevel } from '../domain/levels.js';
import type { FederatedState } from './federated-state.js';
import { assertedBy, upstreamFailure, type AuthOutcome, type Authenticator, type UpstreamLinking } from './types.js';

export interface JszwAuthenticatorDeps {
  upstream: JszwUpstream;
  state: FederatedState;
  /** `<issuer>/federated/callback/jszw`, registered at the upstream. */
  redirectUri: string;
  levels: { real_name: IdentityLevel; real_person: IdentityLevel };
}

export function createJszwAuthenticator(deps: JszwAuthenticatorDeps): Authenticator & UpstreamLinking {
  /** After a state checked and used up: redeems the code (PKCE) and maps the userinfo to an assertion. */
  async function redeem(verifier: string, input: Record<string, string>): Promise<AuthOutcome> {
    if (input.error) return { kind: 'failed', code: 'login.federated_denied', status: 400 };
    if (!input.code) return { kind: 'failed', code: 'login.federated_state_invalid', status: 400 };
    try {
      const identity = await deps.upstream.exchange({ code: input.code, codeVerifier: verifier, redirectUri: deps.redirectUri });
      const level: IdentityLevel = identity.assertedLevel === 'registered' ? 'registered' : deps.levels[identity.assertedLevel];
      return assertedBy('jszw', identity, level);
    } catch (err) {
      if (err instanceof UpstreamError) return upstreamFailure(err);
      throw err;
    }
  }

  return {
    method: 'jszw',
    async begin(context) {
      const { state, challenge } = await deps.state.start(context, 'jszw');
      return { kind: 'redirect', url: deps.upstream.authorizationUrl({ state, codeChallenge: challenge, redirectUri: deps.redirectUri }) };
    },

    async complete(context, input) {
      const attempt = await deps.state.consume(context, input.state ?? '', 'jszw');
      if (!attempt) return { kind: 'failed', code: 'login.federated_state_invalid', status: 400 };
      return redeem(attempt.verifier, input);
    },

    async beginLink(link) {
      const { state, challenge } = await deps.state.startLink(link, 'jszw');
      return { kind: 'redirect', url: deps.upstream.authorizationUrl({ state, codeChallenge: challenge, redirectUri: deps.redirectUri }) };
    },

    async completeLink(link, input) {
      const attempt = await deps.state.consumeLink(link, input.state ?? '', 'jszw');
      if (!attempt) return { kind: 'failed', code: 'login.federated_state_invalid', status: 400 };
      return redeem(attempt.verifier, input);
    },
  };
}
