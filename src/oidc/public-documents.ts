// Discovery and JWKS are the same bytes for every caller of one origin until the provider is rebuilt
// (a key rotation): the provider renders each once, later requests get the stored JSON and CORS headers.

import type { Middleware } from 'koa';

const cachedPaths = new Set(['/.well-known/openid-configuration', '/.well-known/oauth-authorization-server', '/jwks']);

/** The provider writes endpoint URLs from the request's origin: a few origins at most are stored. */
const maxStored = 32;

interface Stored {
  body: string;
  type: string;
}

/**
 * `generation()` changes whenever the provider is rebuilt; the stored documents of an older
 * generation are dropped. Only complete 200 JSON answers are stored.
 */
export function publicDocumentCache(generation: () => object): Middleware {
  let storedFor: object | undefined;
  let stored = new Map<string, Stored>();
  return async (ctx, next) => {
    if ((ctx.method !== 'GET' && ctx.method !== 'HEAD') || !cachedPaths.has(ctx.path)) return next();
    const current = generation();
    if (storedFor !== current) {
      storedFor = current;
      stored = new Map();
    }
    const key = `${ctx.protocol}://${ctx.host}${ctx.path}`; // Koa's ctx.origin is the Origin header
    const hit = stored.get(key);
    if (hit) {
      // What the provider's open CORS policy answers for these documents.
      ctx.vary('Origin');
      ctx.set('Access-Control-Allow-Origin', ctx.get('Origin') || '*');
      ctx.type = hit.type;
      ctx.body = hit.body;
      return;
    }
    await next();
    if (ctx.status === 200 && ctx.body && typeof ctx.body === 'object' && !Buffer.isBuffer(ctx.body) && generation() === current) {
      const body = JSON.stringify(ctx.body);
      if (stored.size < maxStored) stored.set(key, { body, type: String(ctx.response.get('Content-Type') || 'application/json; charset=utf-8') });
      ctx.body = body;
    }
  };
}
