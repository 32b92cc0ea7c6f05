// The mock Alipay (支付宝) as its own Koa app: authorisation pages and the OpenAPI gateway with real
// RSA2 signatures. Paths are relative to its root (mounted at /mock/alipay in development).

import Koa from 'koa';
import Router from '@koa/router';
import { systemClock, type Clock } from '../../domain/clock.js';
import { createGatewayChecker, createMockGatewayKeys, resolveBaseUrl, type BaseUrl, type MockGatewayApp } from './gateway-kit.js';
import { createAlipayGatewayHandler } from './gateway.js';
import { createAlipayPages } from './pages.js';
import { createAlipayState, type AlipayAccountFixture } from './state.js';

export type { AlipayAccountFixture } from './state.js';
export type { BaseUrl, MockGatewayApp } from './gateway-kit.js';

export interface AlipayMockApp extends MockGatewayApp {
  /** Shown on the authorisation page. */
  name?: string;
  /** open_id (default, as for new apps) or the legacy user_id. */
  subjectType?: 'open_id' | 'user_id';
  /** When set, redirect_uri must start with it (Alipay's 授权回调地址). */
  redirectUriPrefix?: string;
}

export interface AlipayMockOptions {
  accounts: readonly AlipayAccountFixture[];
  /** Absolute URL of the mock's root, e.g. http://localhost:3000/mock/alipay (or a getter, for port 0). */
  baseUrl: BaseUrl;
  apps: readonly AlipayMockApp[];
  clock?: Clock;
  /** Alipay's private key (PEM); a fresh RSA-2048 pair is generated when absent. */
  privateKeyPem?: string;
}

export type AlipayMock = Koa & { /** Alipay's public key the provider must be configured with. */ publicKeyPem: string };

/** Throws when a configured key cannot be read. */
export function createAlipayMock(options: AlipayMockOptions): AlipayMock {
  const clock = options.clock ?? systemClock;
  const keys = createMockGatewayKeys(options.privateKeyPem);
  const checker = createGatewayChecker({ apps: options.apps, keys, clock });
  const state = createAlipayState(clock);
  const findApp = (appId: string) => options.apps.find((app) => app.appId === appId);

  const pages = createAlipayPages({ state, accounts: options.accounts, baseUrl: () => resolveBaseUrl(options.baseUrl), findApp });
  const gateway = createAlipayGatewayHandler({
    checker,
    state,
    accounts: options.accounts,
    subjectTypeOf: (appId) => findApp(appId)?.subjectType ?? 'open_id',
    clock,
  });

  const router = new Router();
  router.get('/oauth2/publicAppAuthorize.htm', pages.authorizePage);
  router.get('/mobile/authorize.htm', pages.phonePage);
  router.post('/oauth2/authorize.htm', pages.authorize);
  router.post('/gateway.do', gateway);

  const app = new Koa();
  app.use(router.routes()).use(router.allowedMethods());
  return Object.assign(app, { publicKeyPem: keys.publicKeyPem });
}
