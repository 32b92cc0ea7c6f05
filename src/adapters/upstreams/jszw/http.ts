// 江苏政务 adapter: builds the authorisation URL and redeems the code (client_secret_basic) then
// reads userinfo, with the upstream fetch and a timeout per request. Mock or real service by URLs alone.

import { z } from 'zod';
import { UpstreamError } from '../../../errors/app-error.js';
import type { UpstreamIdentity } from '../types.js';
import { jszwFailure } from './failure.js';
import type { JszwUpstream } from './types.js';
import { upstreamFetch } from '../../upstream-fetch.js';

export type JszwEndpoints = { baseUrl: string } | { authorizeUrl: string; tokenUrl: string; userinfoUrl: string };

export type JszwUpstreamOptions = JszwEndpoints & {
  clientId: string;
  clientSecret: string;
  timeoutMs: number;
  /** Scope sent on the authorisation request (default `user_info`). */
  scope?: string;
  fetch?: typeof fetch;
};

const tokenSchema = z.object({ access_token: z.string().min(1), token_type: z.string().regex(/^bearer$/i) });
const errorSchema = z.object({ error: z.string().regex(/^[\x20-\x7e]{1,64}$/) });
const userinfoSchema = z.object({
  sub: z.string().min(1),
  name: z.string().min(1),
  cert_type: z.string().min(1),
  cert_no: z.string().min(1),
  mobile: z.string().optional(),
  level: z.enum(['实名', '实人']),
});

const levels = { 实名: 'real_name', 实人: 'real_person' } as const;

function endpointsOf(options: JszwEndpoints): { authorizeUrl: string; tokenUrl: string; userinfoUrl: string } {
  if ('authorizeUrl' in options) {
    return { authorizeUrl: options.authorizeUrl, tokenUrl: options.tokenUrl, userinfoUrl: options.userinfoUrl };
  }
  const base = options.baseUrl.replace(/\/+$/, '');
  return { authorizeUrl: `${base}/oauth2/authorize`, tokenUrl: `${base}/oauth2/token`, userinfoUrl: `${base}/oauth2/userinfo` };
}

/** RFC 6749 §2.3.1: client id and secret are form-urlencoded before Basic encoding. */
function basicAuth(clientId: string, clientSecret: string): string {
  const encode = (value: string) => new URLSearchParams({ v: value }).toString().slice(2);
  return `Basic ${Buffer.from(`${encode(clientId)}:${encode(clientSecret)}`).toString('base64')}`;
}

export function createJszwUpstream(options: JszwUpstreamOptions): JszwUpstream {
  const endpoints = endpointsOf(options);
  const doFetch = options.fetch ?? upstreamFetch;
  const scope = options.scope ?? 'user_info';

  /** One request; answers the parsed JSON body and status, or throws UpstreamError. */
  async function request(what: string, url: string, init: RequestInit): Promise<{ status: number; body: unknown }> {
    try {
      const response = await doFetch(url, { ...init, signal: AbortSignal.timeout(options.timeoutMs) });
      if (response.status >= 500) {
        await response.body?.cancel();
        throw jszwFailure(`${what}: HTTP ${response.status}`);
      }
      return { status: response.status, body: await response.json() };
    } catch (error) {
      if (error instanceof UpstreamError) throw error;
      throw jszwFailure(`${what}: request failed`, error);
    }
  }

  function refusal(what: string, status: number, body: unknown): UpstreamError {
    const parsed = errorSchema.safeParse(body);
    return jszwFailure(`${what}: ${parsed.success ? parsed.data.error : `HTTP ${status}`}`);
  }

  return {
    authorizationUrl({ state, codeChallenge, redirectUri }) {
      const url = new URL(endpoints.authorizeUrl);
      url.searchParams.set('response_type', 'code');
      url.searchParams.set('client_id', options.clientId);
      url.searchParams.set('redirect_uri', redirectUri);
      url.searchParams.set('scope', scope);
      url.searchParams.set('state', state);
      url.searchParams.set('code_challenge', codeChallenge);
      url.searchParams.set('code_challenge_method', 'S256');
      return url.href;
    },

    async exchange({ code, codeVerifier, redirectUri }): Promise<UpstreamIdentity> {
      const tokenAnswer = await request('token', endpoints.tokenUrl, {
        method: 'POST',
        headers: {
          authorization: basicAuth(options.clientId, options.clientSecret),
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
        },
        body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: codeVerifier }),
      });
      if (tokenAnswer.status !== 200) throw refusal('token', tokenAnswer.status, tokenAnswer.body);
      const token = tokenSchema.safeParse(tokenAnswer.body);
      if (!token.success) throw jszwFailure('token: unexpected response shape');

      const userAnswer = await request('userinfo', endpoints.userinfoUrl, {
        headers: { authorization: `Bearer ${token.data.access_token}`, accept: 'application/json' },
      });
      if (userAnswer.status !== 200) throw refusal('userinfo', userAnswer.status, userAnswer.body);
      const user = userinfoSchema.safeParse(userAnswer.body);
      if (!user.success) throw jszwFailure('userinfo: unexpected response shape');
      const { sub, name, cert_type: certType, cert_no: idNumber, mobile, level } = user.data;
      return {
        upstream: 'jszw',
        subject: sub,
        name,
        certType,
        idNumber,
        ...(mobile !== undefined && /^1\d{10}$/.test(mobile) ? { phone: mobile } : {}),
        assertedLevel: levels[level],
      };
    },
  };
}
