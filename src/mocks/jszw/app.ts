// The mock 江苏政务服务 OAuth 2.0 server as its own Koa app (authorization code + state + PKCE):
// /oauth2/authorize, /oauth2/login, /oauth2/consent, /oauth2/token, /oauth2/userinfo.
// Mounted at /mock/jszw in development, standalone in tests.

import Koa from 'koa';
import { systemClock, type Clock } from '../../domain/clock.js';
import type { JszwAccount, JszwClient } from './accounts.js';
import { createJszwAuthorizePages } from './authorize.js';
import { createJszwMockState } from './state.js';
import { createJszwTokenEndpoints } from './token.js';

export interface JszwMockOptions {
  accounts: readonly JszwAccount[];
  clients: readonly JszwClient[];
  /** Absolute URL this app is reachable at (form actions and cookie path are built from it). */
  baseUrl: string;
  clock?: Clock;
}

export function createJszwMock(options: JszwMockOptions): Koa {
  const clock = options.clock ?? systemClock;
  const state = createJszwMockState(clock);
  const deps = { state, accounts: options.accounts, clients: options.clients, clock };
  const app = new Koa();
  app.use(createJszwAuthorizePages({ ...deps, baseUrl: options.baseUrl }));
  app.use(createJszwTokenEndpoints(deps));
  app.use(async (ctx) => {
    ctx.status = 404;
    ctx.body = { error: 'not_found' };
  });
  return app;
}

export { subjectOf, type JszwAccount, type JszwClient } from './accounts.js';
