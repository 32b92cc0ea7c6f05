// The mock 江苏政务 token and userinfo endpoints: POST /oauth2/token (authorization_code with
// client_secret_basic or client_secret_post, one-use 5-minute codes, PKCE S256, exact
// redirect_uri) and GET /oauth2/userinfo (Bearer). Errors are RFC 6749 JSON bodies.

import { createHash, timingSafeEqual } from 'node:crypto';
import type Koa from 'koa';
import type { Clock } from '../../domain/clock.js';
import { readForm } from '../shared/body.js';
import { subjectOf, type JszwAccount, type JszwClient } from './accounts.js';
import type { JszwMockState } from './state.js';

export interface JszwTokenDeps {
  state: JszwMockState;
  accounts: readonly JszwAccount[];
  clients: readonly JszwClient[];
  clock: Clock;
}

function sameSecret(a: string, b: string): boolean {
  const x = createHash('sha256').update(a).digest();
  const y = createHash('sha256').update(b).digest();
  return timingSafeEqual(x, y);
}

function oauthError(ctx: Koa.Context, status: number, error: string, description: string): void {
  ctx.status = status;
  ctx.set('Cache-Control', 'no-store');
  ctx.body = { error, error_description: description };
}

/** Reads client credentials from HTTP Basic (form-encoded parts) or the body; null if malformed. */
function clientCredentials(
  ctx: Koa.Context,
  form: Record<string, string>,
): { id: string; secret: string; basic: boolean } | null | undefined {
  const header = ctx.get('authorization');
  const inBody = form['client_secret'] !== undefined;
  if (header) {
    if (inBody) return null;
    const match = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(header);
    if (!match?.[1]) return null;
    const decoded = Buffer.from(match[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return null;
    try {
      const decode = (part: string) => decodeURIComponent(part.replace(/\+/g, ' '));
      return { id: decode(decoded.slice(0, colon)), secret: decode(decoded.slice(colon + 1)), basic: true };
    } catch {
      return null;
    }
  }
  if (inBody) return { id: form['client_id'] ?? '', secret: form['client_secret'] ?? '', basic: false };
  return undefined;
}

export function createJszwTokenEndpoints(deps: JszwTokenDeps): Koa.Middleware {
  const { state, clock } = deps;

  async function token(ctx: Koa.Context): Promise<void> {
    if (!ctx.is('application/x-www-form-urlencoded')) return oauthError(ctx, 400, 'invalid_request', 'form body required');
    const form = await readForm(ctx);
    const credentials = clientCredentials(ctx, form);
    if (credentials === null) return oauthError(ctx, 400, 'invalid_request', 'malformed client authentication');
    const client = credentials && deps.clients.find((c) => c.clientId === credentials.id);
    if (!credentials || !client || !sameSecret(client.clientSecret, credentials.secret)) {
      if (credentials?.basic) ctx.set('WWW-Authenticate', 'Basic realm="jszw"');
      return oauthError(ctx, 401, 'invalid_client', 'client authentication failed');
    }
    if (form['grant_type'] !== 'authorization_code') {
      return oauthError(ctx, 400, 'unsupported_grant_type', 'only authorization_code is supported');
    }
    const record = state.code(form['code'] ?? '');
    if (!record || record.clientId !== client.clientId) return oauthError(ctx, 400, 'invalid_grant', 'unknown code');
    if (record.used) {
      state.revokeTokens(record);
      return oauthError(ctx, 400, 'invalid_grant', 'code already used');
    }
    record.used = true;
    if (record.expiresAt <= clock.now().getTime()) return oauthError(ctx, 400, 'invalid_grant', 'code expired');
    if (form['redirect_uri'] !== record.redirectUri) return oauthError(ctx, 400, 'invalid_grant', 'redirect_uri mismatch');
    const verifier = form['code_verifier'] ?? '';
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    if (!/^[A-Za-z0-9._~-]{43,128}$/.test(verifier) || challenge !== record.codeChallenge) {
      return oauthError(ctx, 400, 'invalid_grant', 'PKCE verification failed');
    }
    const issued = state.issueAccessToken(record);
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { access_token: issued.token, token_type: 'Bearer', expires_in: issued.expiresIn };
  }

  function userinfo(ctx: Koa.Context): void {
    const match = /^Bearer\s+([A-Za-z0-9._~+/=-]+)$/i.exec(ctx.get('authorization'));
    const username = match?.[1] ? state.tokenUser(match[1]) : undefined;
    const account = username === undefined ? undefined : deps.accounts.find((a) => a.username === username);
    if (!account) {
      ctx.set('WWW-Authenticate', 'Bearer error="invalid_token"');
      return oauthError(ctx, 401, 'invalid_token', 'access token missing, unknown or expired');
    }
    ctx.set('Cache-Control', 'no-store');
    ctx.body = {
      sub: subjectOf(account.username),
      name: account.name,
      cert_type: '01',
      cert_no: account.idNumber,
      mobile: account.phone,
      level: account.level,
    };
  }

  return async (ctx, next) => {
    if (ctx.path === '/oauth2/token') {
      return ctx.method === 'POST' ? token(ctx) : oauthError(ctx, 405, 'invalid_request', 'POST only');
    }
    if (ctx.path === '/oauth2/userinfo' && (ctx.method === 'GET' || ctx.method === 'POST')) return userinfo(ctx);
    return next();
  };
}
