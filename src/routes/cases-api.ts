// The 办件 API for relying parties (JSON), authorised by a client-credentials access token with
// the operator-granted scope cases:write (the client authenticates at /token with its secret or
// private_key_jwt):
//   PUT  /api/cases/{case_no}                 create or update the case (201 / 200) → the case
//   GET  /api/cases/{case_no}                 the case with its timeline and rating
//   POST /api/cases/{case_no}/rectification   { rectification } the 整改反馈 on a bad rating
//   GET  /api/cases/ratings?since=<cursor>    the client's ratings after the cursor (pull)
// Errors: { error, error_description } with 400/401/403/404/409/413/422/429; nothing stored.

import Router from '@koa/router';
import type { Context } from 'koa';
import { AppError } from '../errors/app-error.js';
import { readJsonObject } from '../http/body.js';
import { scopeGrantsCasesWrite } from '../oidc/operator-metadata.js';
import { CaseApiError, type CaseClient } from '../services/cases.js';
import type { RouteDeps } from '../pages/deps.js';
import { requestState } from '../http/state.js';

/** Largest request body the API reads. */
const maxBodyBytes = 16 * 1024;

function answerError(ctx: Context, err: CaseApiError): void {
  ctx.status = err.status;
  ctx.set('Cache-Control', 'no-store');
  if (err.retryAfterSeconds) ctx.set('Retry-After', String(err.retryAfterSeconds));
  if (err.status === 401) ctx.set('WWW-Authenticate', `Bearer error="${err.error}"`);
  if (err.status === 403) ctx.set('WWW-Authenticate', 'Bearer error="insufficient_scope", scope="cases:write"');
  ctx.body = { error: err.error, error_description: err.description };
}

export function casesApiRoutes(deps: RouteDeps): Router {
  const router = new Router({ prefix: '/api/cases' });
  const { services } = deps;
  const contextOf = (ctx: Context) => {
    const state = requestState(ctx);
    return { ip: state.ip, requestId: state.requestId };
  };

  /** The client behind a live client-credentials token carrying cases:write, still granted it by the operator. */
  async function caseClient(ctx: Context): Promise<CaseClient> {
    const match = /^Bearer ([A-Za-z0-9._~+/-]{16,2048}=*)$/.exec(ctx.get('authorization'));
    if (!match) throw new CaseApiError(401, 'invalid_token', 'a Bearer access token from the client credentials grant is required');
    const token = await deps.oidc.provider.ClientCredentials.find(match[1] as string).catch(() => undefined);
    // A sender-constrained (DPoP, mTLS) token needs its proof, which this API does not take.
    if (!token || token.isExpired || token.isSenderConstrained() || !token.clientId) throw new CaseApiError(401, 'invalid_token', 'the access token is not valid');
    const clientId = token.clientId;
    const metadata = await deps.clients.find(clientId);
    const source = await deps.clients.sourceOf(clientId);
    if (!metadata) throw new CaseApiError(401, 'invalid_token', 'the access token is not valid');
    // Both: the token was issued for the scope, and the operator still grants it to the client.
    if (!scopeGrantsCasesWrite(token.scope) || source === 'registration' || !scopeGrantsCasesWrite(metadata.scope)) {
      throw new CaseApiError(403, 'insufficient_scope', 'the scope cases:write is required (granted by the operator)');
    }
    const redirects = Array.isArray(metadata.redirect_uris) ? (metadata.redirect_uris as unknown[]) : [];
    const redirectOrigins = [...new Set(redirects.flatMap((u) => {
      const url = typeof u === 'string' ? URL.parse(u) : null;
      return url && (url.protocol === 'https:' || url.protocol === 'http:') ? [url.origin] : [];
    }))];
    return { clientId, redirectOrigins };
  }

  /** Runs `handler`, answering CaseApiErrors (and unreadable bodies) as JSON errors. */
  const api = (handler: (ctx: Context, client: CaseClient) => Promise<void>) => async (ctx: Context) => {
    try {
      const client = await caseClient(ctx);
      await services.cases.limitClient(client.clientId);
      await handler(ctx, client);
      ctx.set('Cache-Control', 'no-store');
    } catch (err) {
      if (err instanceof CaseApiError) return answerError(ctx, err);
      if (err instanceof AppError && err.status === 413) return answerError(ctx, new CaseApiError(413, 'payload_too_large', `the body may have at most ${maxBodyBytes} bytes`));
      if (err instanceof AppError && err.code === 'errors.bad_json') return answerError(ctx, new CaseApiError(400, 'invalid_request', 'the body must be a JSON object'));
      throw err;
    }
  };

  router.get('/ratings', api(async (ctx, client) => {
    const raw = typeof ctx.query.since === 'string' ? ctx.query.since : '0';
    if (!/^\d{1,18}$/.test(raw)) throw new CaseApiError(400, 'invalid_request', 'since must be a cursor returned by this API (a non-negative integer)');
    const { ratings, next } = await services.cases.ratingsSince(client.clientId, String(BigInt(raw)), 100);
    ctx.body = { ratings, next_since: next };
  }));

  router.put('/:caseNo', api(async (ctx, client) => {
    const body = await readJsonObject(ctx, maxBodyBytes);
    const { created, view } = await services.cases.put(client, ctx.params.caseNo as string, body, contextOf(ctx));
    ctx.status = created ? 201 : 200;
    ctx.body = view;
  }));

  router.get('/:caseNo', api(async (ctx, client) => {
    const view = await services.cases.get(client.clientId, ctx.params.caseNo as string);
    if (!view) throw new CaseApiError(404, 'not_found', 'no such case for this client');
    ctx.body = view;
  }));

  router.post('/:caseNo/rectification', api(async (ctx, client) => {
    const body = await readJsonObject(ctx, maxBodyBytes);
    ctx.body = await services.cases.rectify(client.clientId, ctx.params.caseNo as string, body.rectification, contextOf(ctx));
  }));

  return router;
}
