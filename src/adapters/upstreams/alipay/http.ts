// The real Alipay login adapter: builds the publicAppAuthorize.htm URL and redeems an auth_code
// through the gateway (alipay.system.oauth.token, then alipay.user.info.share).

import { z } from 'zod';
import type { Clock } from '../../../domain/clock.js';
import { createAlipayGatewayClient, incompleteResponse, invalidInput } from './gateway.js';
import type { AlipayUpstream, UpstreamIdentity } from './types.js';

export interface AlipayUpstreamOptions {
  appId: string;
  /** The app's private key (PEM or Alipay's bare base64). */
  privateKeyPem: string;
  /** Alipay's public key (PEM or bare base64). */
  alipayPublicKeyPem: string;
  /** e.g. https://openapi.alipay.com/gateway.do */
  gatewayUrl: string;
  /** e.g. https://openauth.alipay.com/oauth2/publicAppAuthorize.htm */
  authorizeUrl: string;
  timeoutMs: number;
  fetch?: typeof fetch;
  clock?: Clock;
}

const tokenSection = z.object({
  access_token: z.string().min(1),
  open_id: z.string().min(1).optional(),
  user_id: z.string().min(1).optional(),
});

const userSection = z.object({
  open_id: z.string().min(1).optional(),
  user_id: z.string().min(1).optional(),
  nick_name: z.string().optional(),
  is_certified: z.enum(['T', 'F']).optional(),
  cert_type: z.string().optional(),
  cert_no: z.string().optional(),
  user_name: z.string().optional(),
});

/** Alipay cert_type `0` is the resident ID card (AAC058 `01`). */
const alipayIdCard = '0';

/** Throws AppError('errors.internal') when a configured key cannot be read. */
export function createAlipayUpstream(options: AlipayUpstreamOptions): AlipayUpstream {
  const gateway = createAlipayGatewayClient({ ...options, upstream: 'alipay' });

  return {
    authorizationUrl({ state, redirectUri }) {
      const url = new URL(options.authorizeUrl);
      url.searchParams.set('app_id', options.appId);
      url.searchParams.set('scope', 'auth_user');
      url.searchParams.set('redirect_uri', redirectUri);
      url.searchParams.set('state', state);
      return url.toString();
    },

    async exchange(authCode) {
      if (!/^[\w-]{1,128}$/.test(authCode)) throw invalidInput('alipay', 'auth_code');
      const token = tokenSection.safeParse(
        await gateway.call('alipay.system.oauth.token', { grant_type: 'authorization_code', code: authCode }),
      );
      if (!token.success) throw incompleteResponse('alipay', 'oauth.token fields');
      const user = userSection.safeParse(
        await gateway.call('alipay.user.info.share', { auth_token: token.data.access_token }),
      );
      if (!user.success) throw incompleteResponse('alipay', 'user.info.share fields');

      const tokenSubject = token.data.open_id ?? token.data.user_id;
      const subject = user.data.open_id ?? user.data.user_id ?? tokenSubject;
      if (!subject) throw incompleteResponse('alipay', 'no open_id or user_id');
      if (tokenSubject && tokenSubject !== subject) throw incompleteResponse('alipay', 'subject mismatch');

      const certified = user.data.is_certified === 'T';
      const identity: UpstreamIdentity = { upstream: 'alipay', subject, certified };
      if (user.data.nick_name) identity.displayName = user.data.nick_name;
      if (certified && user.data.user_name) identity.name = user.data.user_name;
      if (certified && user.data.cert_type === alipayIdCard && user.data.cert_no) {
        identity.certType = '01';
        identity.idNumber = user.data.cert_no.toUpperCase();
      }
      return identity;
    },
  };
}
