// The four mock upstreams (电子社保卡, 江苏政务, 支付宝, face verification) built from the same
// settings the provider's adapters use, so keys and client registrations agree. Mounted under
// /mock/<name> of the provider in development, or served alone by `npm run mocks` and the tests.

import type Koa from 'koa';
import { publicKeyOf, type UpstreamSettings } from '../adapters/upstreams/from-config.js';
import type { Clock } from '../domain/clock.js';
import { upstreamNames } from '../domain/sign-in-methods.js';
import { createAlipayMock } from './alipay/app.js';
import { createEsscMock, esscHoldersFromFixtures, lostCardHolder } from './essc/app.js';
import { createFaceMock } from './face/app.js';
import { loadPopulationRegistry, loadUpstreamAccounts } from './fixtures.js';
import { createJszwMock } from './jszw/app.js';

export const mockNames = [...upstreamNames, 'face'] as const;
export type MockName = (typeof mockNames)[number];

export interface UpstreamMockOptions {
  settings: UpstreamSettings;
  /** Absolute base URL each mock is reachable at (QR contents and form actions use it). */
  baseUrlOf(name: MockName): string;
  /** Where the provider receives the upstream callbacks: `<issuer>/federated/callback/<method>`. */
  issuer: string;
  clock?: Clock;
}

/** Builds one mock app. Throws when the settings lack the key material the mock needs. */
export function createUpstreamMock(name: MockName, options: UpstreamMockOptions): Koa {
  const { settings } = options;
  const accounts = loadUpstreamAccounts();
  const clock = options.clock ? { clock: options.clock } : {};
  const callback = (method: string) => `${options.issuer.replace(/\/+$/, '')}/federated/callback/${method}`;
  const platformKey = settings.devMock ? { privateKeyPem: settings.devMock.alipayPrivateKeyPem } : {};
  switch (name) {
    case 'essc': {
      const { channelNo, secret, key } = settings.essc;
      if (!secret || !key) throw new Error('the e-SSC mock needs the channel secret and key');
      return createEsscMock({
        holders: [...esscHoldersFromFixtures(accounts.essc), lostCardHolder],
        channels: [{ channelNo, secret, key }],
        baseUrl: options.baseUrlOf('essc'),
        ...clock,
      });
    }
    case 'jszw': {
      const { clientId, clientSecret } = settings.jszw;
      if (!clientSecret) throw new Error('the 江苏政务 mock needs the client secret');
      return createJszwMock({ accounts: accounts.jszw, clients: [{ clientId, clientSecret, redirectUris: [callback('jszw')] }], baseUrl: options.baseUrlOf('jszw'), ...clock });
    }
    case 'alipay': {
      const { appId, privateKey } = settings.alipay;
      if (!privateKey) throw new Error('the Alipay mock needs the app key');
      return createAlipayMock({
        accounts: accounts.alipay,
        baseUrl: () => options.baseUrlOf('alipay'),
        apps: [{ appId, publicKeyPem: publicKeyOf(privateKey), name: '江苏人社统一身份认证' }],
        ...platformKey,
        ...clock,
      });
    }
    case 'face': {
      const { appId, privateKey } = settings.face;
      if (!privateKey) throw new Error('the face mock needs the app key');
      return createFaceMock({
        registry: loadPopulationRegistry(),
        baseUrl: () => options.baseUrlOf('face'),
        apps: [{ appId, publicKeyPem: publicKeyOf(privateKey) }],
        ...platformKey,
        ...clock,
      });
    }
  }
}
