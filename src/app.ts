// buildApp(container) → the Koa application, without listening (tests build the same app). Order:
// request context → metrics → security headers → error handler → static → our routes → provider.

import Koa from 'koa';
import type { Container } from './container.js';
import { errorHandler } from './http/errors.js';
import { requestContext } from './http/request-context.js';
import { securityHeaders } from './http/security-headers.js';
import { staticFiles } from './http/static-files.js';
import { healthRoutes } from './routes/health.js';

export interface AppHandle {
  app: Koa;
  /** Marks the app as stopping: /readyz answers 503 so the load balancer drains this node. */
  markStopping(): void;
}

export function buildApp(container: Container): AppHandle {
  const { config, logger, views, metrics, database } = container;
  let stopping = false;
  const app = new Koa({ proxy: config.trustProxy });
  app.silent = true; // errors are logged by our error handler, not printed by Koa
  app.on('error', (err: Error) => logger.debug({ err: err.message }, 'koa error event'));

  app.use(requestContext(logger));
  app.use(metrics.middleware);
  app.use(securityHeaders({ production: config.env === 'production' }));
  app.use(errorHandler(views));
  app.use(staticFiles());

  const health = healthRoutes({ database, metrics, isStopping: () => stopping });
  app.use(health.routes());

  app.use(container.oidc.middleware);
  return { app, markStopping: () => { stopping = true; } };
}
