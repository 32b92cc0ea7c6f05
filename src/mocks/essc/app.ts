// The mock 电子社保卡 (national e-SSC) platform as its own Koa app: channel APIs under /api and
// the phone ("channel app") page under /h5. Mounted at /mock/essc in development, standalone in tests.

import Koa from 'koa';
import { systemClock, type Clock } from '../../domain/clock.js';
import { parseChannelKey, type EsscChannelKeys } from '../../adapters/upstreams/essc/protocol.js';
import { createEsscApi } from './api.js';
import type { EsscHolder } from './holders.js';
import { createEsscPhonePages } from './phone.js';
import { createEsscMockState } from './state.js';

export interface EsscMockOptions {
  holders: readonly EsscHolder[];
  channels: readonly EsscChannelKeys[];
  /** Absolute URL this app is reachable at (QR content and form actions are built from it). */
  baseUrl: string;
  clock?: Clock;
}

export function createEsscMock(options: EsscMockOptions): Koa {
  for (const channel of options.channels) parseChannelKey(channel.key);
  const clock = options.clock ?? systemClock;
  const state = createEsscMockState(options.holders, clock);
  const app = new Koa();
  app.use(createEsscApi({ state, channels: options.channels, baseUrl: options.baseUrl, clock }));
  app.use(createEsscPhonePages({ state, baseUrl: options.baseUrl }));
  app.use(async (ctx) => {
    ctx.status = 404;
    ctx.body = { code: 'E1001', message: 'not found' };
  });
  return app;
}

export { esscHoldersFromFixtures, lostCardHolder, type EsscHolder } from './holders.js';
