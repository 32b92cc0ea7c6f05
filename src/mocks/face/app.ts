// The mock face verifier (imitating Alipay identity verification, 支付宝身份验证) as its own Koa
// app: the gateway methods alipay.user.certify.open.* with real RSA2 signatures and the phone page.

import Koa from 'koa';
import Router from '@koa/router';
import type { Context } from 'koa';
import { systemClock, type Clock } from '../../domain/clock.js';
import {
  createGatewayChecker,
  createMockGatewayKeys,
  resolveBaseUrl,
  type BaseUrl,
  type MockGatewayApp,
} from '../alipay/gateway-kit.js';
import { certifyMethod, createFaceGatewayMethods, faceMethods } from './gateway.js';
import { createFacePages, renderFaceError } from './pages.js';
import { createFaceState, type FaceRegistryEntry } from './state.js';

export type { FaceRegistryEntry } from './state.js';

export interface FaceMockOptions {
  registry: readonly FaceRegistryEntry[];
  /** Absolute URL of the mock's root, e.g. http://localhost:3000/mock/face (or a getter, for port 0). */
  baseUrl: BaseUrl;
  apps: readonly MockGatewayApp[];
  clock?: Clock;
  /** The verifier's (Alipay's) private key (PEM); a fresh RSA-2048 pair is generated when absent. */
  privateKeyPem?: string;
}

export type FaceMock = Koa & { /** The public key the provider verifies responses with. */ publicKeyPem: string };

/** Throws when a configured key cannot be read. */
export function createFaceMock(options: FaceMockOptions): FaceMock {
  const clock = options.clock ?? systemClock;
  const keys = createMockGatewayKeys(options.privateKeyPem);
  const checker = createGatewayChecker({ apps: options.apps, keys, clock });
  const state = createFaceState(options.registry, clock);
  const methods = createFaceGatewayMethods({ checker, state });
  const pages = createFacePages({ state, baseUrl: () => resolveBaseUrl(options.baseUrl) });

  /** The gateway: JSON for initialize/query; the certify method (pageExecute) renders the phone page. */
  async function gateway(ctx: Context): Promise<void> {
    const params = await checker.readParams(ctx);
    const checked = checker.check(params, faceMethods);
    const isPage = params.method === certifyMethod;
    if ('error' in checked) {
      if (isPage) return renderFaceError(ctx, 400, checked.error.sub_code, checked.error.sub_msg);
      const signed = !checked.error.sub_code.endsWith('app-id');
      return checker.error(ctx, checked.error, signed);
    }
    const request = checked.request;
    if (request.method === certifyMethod) return pages.certifyPage(ctx, request);
    if (ctx.method !== 'POST') return renderFaceError(ctx, 405, 'METHOD_NOT_ALLOWED', '请使用 POST 调用该接口');
    if (request.method === 'alipay.user.certify.open.initialize') return methods.initialize(ctx, request);
    return methods.query(ctx, request);
  }

  const router = new Router();
  router.get('/gateway.do', gateway);
  router.post('/gateway.do', gateway);
  router.post('/certify/complete', pages.complete);

  const app = new Koa();
  app.use(router.routes()).use(router.allowedMethods());
  return Object.assign(app, { publicKeyPem: keys.publicKeyPem });
}
