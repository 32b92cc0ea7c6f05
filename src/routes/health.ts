// Liveness (/healthz: the process answers), readiness (/readyz: the database answers in time)
// and the Prometheus scrape endpoint (/metrics).

import Router from '@koa/router';
import type { Database } from '../db/connect.js';
import type { Metrics } from '../http/metrics.js';

export function healthRoutes(deps: { database: Database; metrics: Metrics; isStopping: () => boolean }): Router {
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
    ctx.type = deps.metrics.registry.contentType;
    ctx.body = await deps.metrics.registry.metrics();
  });
  return router;
}
