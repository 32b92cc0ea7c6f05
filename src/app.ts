// buildApp(container) → the Koa application, without listening (tests build the same app). Every
// request first gets its client address (TRUSTED_PROXIES), request context and metrics; then two
// stacks: protocol endpoints (discovery, JWKS, token, userinfo ...) go straight to the provider;
// pages get security headers → error handler → static → our routes → provider.

import Koa, { type Middleware } from 'koa';
import compose from 'koa-compose';
import type { Container } from './container.js';
import { clientAddress, readsForwardedHeaders, trustedProxiesOf } from './http/client-address.js';
import { errorHandler } from './http/errors.js';
import { isProtocolApiPath } from './http/protocol-paths.js';
import { requestContext } from './http/request-context.js';
import { apiSecurityHeaders, securityHeaders } from './http/security-headers.js';
import { staticFiles } from './http/static-files.js';
import { csrfCookies } from './http/csrf.js';
import { noStore, requireHttps } from './http/security-headers.js';
import { render } from './http/views.js';
import { healthRoutes } from './routes/health.js';
import { pageRouters } from './routes/index.js';
import { devMockMiddleware } from './mocks/dev-mount.js';

export interface AppHandle {
  app: Koa;
  /** Marks the app as stopping: /readyz answers 503 so the load balancer drains this node. */
  markStopping(): void;
}

export function buildApp(container: Container): AppHandle {
  const { config, logger, views, metrics, database } = container;
  let stopping = false;
  const trust = trustedProxiesOf(config.trustedProxies);
  // Koa reads X-Forwarded-* only behind trusted proxies, and only what clientAddress() left there.
  const app = new Koa({ proxy: readsForwardedHeaders(trust) });
  // Cookies (ours and the mounted provider's) are signed with the current cookie keys.
  Object.defineProperty(app, 'keys', { get: () => container.oidc.cookieKeys, set: () => undefined, configurable: true });
  app.silent = true; // errors are logged by our error handler, not printed by Koa
  app.on('error', (err: Error) => logger.debug({ err: err.message }, 'koa error event'));

  const production = config.env === 'production';
  app.use(clientAddress(trust));
  app.use(requestContext(logger));
  app.use(metrics.middleware);
  if (!production) app.use(devMockMiddleware(container)); // own pages and headers, like the real upstreams

  // Protocol endpoints need none of the page machinery: one branch, then the provider.
  const protocolStack = compose([
    apiSecurityHeaders({ production }),
    errorHandler(views),
    ...(production ? [requireHttps(config.issuer)] : []),
    container.oidc.middleware,
  ]);
  const pageStack: Middleware[] = [];
  // Routers type their context more narrowly than Koa's Middleware; app.use accepts them the same way.
  const use = <S, C>(middleware: Middleware<S, C>) => pageStack.push(middleware as unknown as Middleware);

  use(securityHeaders({ production }));
  use(errorHandler(views));
  use(staticFiles());

  const health = healthRoutes({ database, metrics, isStopping: () => stopping, metricsAccess: { production, token: config.metricsToken } });
  use(health.routes());

  if (production) use(requireHttps(config.issuer));
  // The browser id (CSRF and flow binding) belongs to our pages; protocol endpoints never need it.
  const pages = /^\/($|interaction|register|recover|appeal|account|api|dev|federated|qr|console)(\/|$)/;
  const browserIds = csrfCookies({ key: container.secrets.keyring.current.keys.csrf, secure: production });
  use((ctx, next) => (pages.test(ctx.path) ? browserIds(ctx, next) : next()));
  use(async (ctx, next) => {
    if (/^\/(interaction|register|recover|appeal|account|api|dev|federated|qr|console)(\/|$)/.test(ctx.path)) return noStore(ctx, next);
    return next();
  });
  use(async (ctx, next) => {
    if (ctx.path === '/' && ctx.method === 'GET') return render(ctx, views, 'home.njk');
    return next();
  });
  for (const router of pageRouters(container)) {
    use(router.routes());
    use(router.allowedMethods());
  }

  use(container.oidc.middleware);

  const pageHandler = compose(pageStack);
  app.use((ctx, next) => (isProtocolApiPath(ctx.path) ? protocolStack(ctx, next) : pageHandler(ctx, next)));
  return { app, markStopping: () => { stopping = true; } };
}
