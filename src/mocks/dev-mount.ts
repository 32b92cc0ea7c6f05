// src/mocks/: development and test stand-ins for the outside systems (mounted at /mock/*, dev-ports.ts) and their fixtures; imports adapters/, config/, domain/, http/; only the composition root, app.ts and routes/index.ts (the app simulator, app-simulator.ts) import it, never in production.
// Development only: the mock upstreams mounted at /mock/essc, /mock/jszw, /mock/alipay and /mock/face
// of the provider, built from the provider's own resolved upstream settings (so keys agree). The
// provider still reaches them over HTTP through their configured base URLs. Never in production.

import Koa from 'koa';
import mount from 'koa-mount';
import type { Container } from '../container.js';
import { mockNames, createUpstreamMock } from './upstream-mocks.js';

export function devMockMiddleware(container: Pick<Container, 'config' | 'upstreamSettings' | 'logger'>): Koa.Middleware {
  const { config } = container;
  if (config.env === 'production') throw new Error('the mock upstreams are refused in production');
  const issuer = config.issuer.replace(/\/+$/, '');
  const host = new Koa();
  for (const name of mockNames) {
    try {
      const app = createUpstreamMock(name, { settings: container.upstreamSettings, baseUrlOf: (n) => `${issuer}/mock/${n}`, issuer });
      host.use(mount(`/mock/${name}`, app));
    } catch (err) {
      container.logger.warn({ mock: name, err: (err as Error).message }, 'mock upstream not mounted');
    }
  }
  const handle = mount(host);
  return (ctx, next) => (ctx.path === '/mock' || ctx.path.startsWith('/mock/') ? handle(ctx, next) : next());
}
