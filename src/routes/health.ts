// Liveness (/healthz: the process answers), readiness (/readyz: the database answers in time)
// and the Prometheus scrape endpoint (/metrics: only to the METRICS_TOKEN bearer when one is set;
// absent in production without one; open in development and tests without one).

import { createHash, timingSafeEqual } from 'node:crypto';
import Router from '@koa/router';
import type { Context } from 'koa';
import type { Database } from '../db/connect.js';
import type { Metrics } from '../http/metrics.js';

export interface MetricsAccess {
  production: boolean;
  /** The bearer token scrapers send; unset: open outside production, 404 in production. */
  token: string | undefined;
}

const digest = (value: string) => createHash('sha256').update(value).digest();

/** 'open', or why the scrape is refused: no token configured in production (404), or a wrong bearer (401). */
export function metricsAccessOf(ctx: Pick<Context, 'get'>, access: MetricsAccess): 'open' | 'hidden' | 'unauthorized' {
  if (access.token === undefined) return access.production ? 'hidden' : 'open';
  const presented = /^Bearer ([\x21-\x7e]{1,512})$/i.exec(ctx.get('authorization'))?.[1] ?? '';
  // Digests of equal length, compared in constant time: neither the token nor its length leaks.
  return timingSafeEqual(digest(presented), digest(access.token)) ? 'open' : 'unauthorized';
}

export function healthRoutes(deps: { database: Database; metrics: Metrics; isStopping: () => boolean; metricsAccess: MetricsAccess }): Router {
  const router = new Router();
  router.get('/healthz', (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { status: 'ok' };
  });
  router.get('/readyz', async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    if (deps.isStopping()) {
      ctx.status = 503;
      ctx.body = { status: 'stopping' };
      return;
    }
    try {
      await deps.database.ping(1500);
      ctx.body = { status: 'ready', database: 'ok' };
    } catch {
      ctx.status = 503;
      ctx.body = { status: 'unavailable', database: 'unreachable' };
    }
  });
  router.get('/metrics', async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    const access = metricsAccessOf(ctx, deps.metricsAccess);
    if (access === 'hidden') {
      ctx.status = 404;
      return;
    }
    if (access === 'unauthorized') {
      ctx.status = 401;
      ctx.set('WWW-Authenticate', 'Bearer realm="metrics"');
      return;
    }
    ctx.type = deps.metrics.registry.contentType;
    ctx.body = await deps.metrics.scrape();
  });
  return router;
}
