// 支付宝登录: publicAppAuthorize.htm with app_id, scope=auth_user and state; the returned auth_code
// is redeemed at the RSA2-signed gateway. Certified users (is_certified = T) assert the configured
// level with their name and document; others sign in at `registered`. The same round trip links a
// 支付宝 account from the user centre (账号关联).

import type { AlipayUpstream } from '../adapters/upstreams/alipay/types.js';
import { UpstreamError } from '../errors/app-error.js';
import type { IdentityLevel } from '../domain/levels.js';
import type { FederatedState } from './federated-state.js';
import { assertedBy, upstreamFailure, type AuthOutcome, type Authenticator, type UpstreamLinking } from './types.js';

export interface AlipayAuthenticatorDeps {
  upstream: AlipayUpstream;
  state: FederatedState;
  redirectUri: string;
  certifiedLevel: IdentityLevel;
}

export function createAlipayAuthenticator(deps: AlipayAuthenticatorDeps): Authenticator & UpstreamLinking {
  /** After a state checked and used up: redeems the auth_code at the gateway and maps the user to an assertion. */
  async function redeem(input: Record<string, string>): Promise<AuthOutcome> {
    if (!input.auth_code) return { kind: 'failed', code: 'login.federated_denied', status: 400 };
    try {
      const identity = await deps.upstream.exchange(input.auth_code);
      return assertedBy('alipay', identity, identity.certified && identity.idNumber ? deps.certifiedLevel : 'registered');
    } catch (err) {
      if (err instanceof UpstreamError) return upstreamFailure(err);
      throw err;
    }
  }

  return {
    method: 'alipay',
    async begin(context) {
      const { state } = await deps.state.start(context, 'alipay');
      return { kind: 'redirect', url: deps.upstream.authorizationUrl({ state, redirectUri: deps.redirectUri }) };
    },

    async complete(context, input) {
      const attempt = await deps.state.consume(context, input.state ?? '', 'alipay');
      if (!attempt) return { kind: 'failed', code: 'login.federated_state_invalid', status: 400 };
      return redeem(input);
    },

    async beginLink(link) {
      const { state } = await deps.state.startLink(link, 'alipay');
      return { kind: 'redirect', url: deps.upstream.authorizationUrl({ state, redirectUri: deps.redirectUri }) };
    },

    async completeLink(link, input) {
      const attempt = await deps.state.consumeLink(link, input.state ?? '', 'alipay');
      if (!attempt) return { kind: 'failed', code: 'login.federated_state_invalid', status: 400 };
      return redeem(input);
    },
  };
}
