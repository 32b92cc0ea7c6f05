// The mock upstreams (电子社保卡, 江苏政务, 支付宝, face) as SEPARATE HTTP servers on their own loopback
// ports, with fresh keys, and the config overrides that point the app at them. A test can swap an
// upstream for a broken one (500, slow, garbage, tampered answers) and restore it.

import { generateKeyPairSync, randomBytes } from 'node:crypto';
import Koa from 'koa';
import mount from 'koa-mount';
import type { Test } from 'tap';
import type { DeepPartial } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import { createUpstreamMock, mockNames, type MockName } from '../../src/mocks/upstream-mocks.js';
import { serveOnLoopback, type RunningServer } from '../../src/mocks/shared/serve.js';
import type { TestApp } from './app.js';

export interface UpstreamMocks {
  urls: Record<MockName, string>;
  /** Config overrides for startTestApp (timeouts short, so slow upstreams time out fast). */
  overrides: DeepPartial<Config>;
  /** Builds the mock apps once the app (and so its issuer) is running. */
  attach(app: TestApp): void;
  /** Puts `middleware` in front of the mock (it may call `real` to reach the mock itself). */
  swap(name: MockName, middleware: (real: Koa.Middleware) => Koa.Middleware): void;
  restore(name: MockName): void;
}

function pem() {
  const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    privateKeyPem: pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKeyPem: pair.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

export async function startUpstreamMocks(t: Test, options: { timeoutMs?: number } = {}): Promise<UpstreamMocks> {
  const handlers = new Map<MockName, Koa.Middleware>();
  const real = new Map<MockName, Koa.Middleware>();
  const servers = new Map<MockName, RunningServer>();
  for (const name of mockNames) {
    const outer = new Koa();
    outer.use((ctx, next) => {
      const handler = handlers.get(name);
      return handler ? handler(ctx, next) : next();
    });
    const server = await serveOnLoopback(outer);
    servers.set(name, server);
    t.teardown(() => server.close());
  }
  const urls = Object.fromEntries(mockNames.map((n) => [n, servers.get(n)!.url])) as Record<MockName, string>;
  const app = pem();
  const platform = pem();
  const timeoutMs = options.timeoutMs ?? 1500;
  const overrides: DeepPartial<Config> = {
    adapters: {
      essc: { baseUrl: urls.essc, secret: randomBytes(16).toString('hex'), key: randomBytes(16).toString('hex'), timeoutMs },
      jszw: { baseUrl: urls.jszw, clientSecret: randomBytes(16).toString('base64url'), timeoutMs },
      alipay: {
        authorizeUrl: `${urls.alipay}/oauth2/publicAppAuthorize.htm`,
        gatewayUrl: `${urls.alipay}/gateway.do`,
        privateKey: app.privateKeyPem,
        publicKey: platform.publicKeyPem,
        timeoutMs,
      },
      face: { gatewayUrl: `${urls.face}/gateway.do`, privateKey: app.privateKeyPem, publicKey: platform.publicKeyPem, timeoutMs },
    },
  };
  return {
    urls,
    overrides,
    attach(testApp) {
      const settings = { ...testApp.container.upstreamSettings, devMock: { alipayPrivateKeyPem: platform.privateKeyPem } };
      for (const name of mockNames) {
        const middleware = mount(createUpstreamMock(name, { settings, baseUrlOf: (n) => urls[n], issuer: testApp.url }));
        real.set(name, middleware);
        handlers.set(name, middleware);
      }
    },
    swap(name, middleware) {
      const original = real.get(name);
      if (!original) throw new Error('attach the mocks first');
      handlers.set(name, middleware(original));
    },
    restore(name) {
      const original = real.get(name);
      if (original) handlers.set(name, original);
    },
  };
}

/** A browser for the upstream's own pages: its own cookie jar, manual redirects. */
export function upstreamBrowser() {
  const jar = new Map<string, string>();
  return async (url: string, form?: Record<string, string>): Promise<{ status: number; location: string; html: string }> => {
    const headers: Record<string, string> = {};
    if (jar.size) headers.cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    const response = await fetch(url, { method: form ? 'POST' : 'GET', headers, redirect: 'manual', ...(form ? { body: new URLSearchParams(form) } : {}) });
    for (const cookie of response.headers.getSetCookie()) {
      const [pair = ''] = cookie.split(';');
      const eq = pair.indexOf('=');
      jar.set(pair.slice(0, eq), pair.slice(eq + 1));
    }
    const location = response.headers.get('location');
    return { status: response.status, location: location ? new URL(location, url).href : '', html: await response.text() };
  };
}

/** 江苏政务's login and consent pages (their own cookie jar) from `start`; returns where they send the browser back to. */
export async function throughJszw(start: string, account: { username: string; password: string }): Promise<string> {
  const up = upstreamBrowser();
  const login = await up(start);
  const flow = /name="flow" value="([^"]+)"/.exec(login.html)?.[1] ?? '';
  const action = /action="([^"]+)"/.exec(login.html)?.[1] ?? '';
  const loggedIn = await up(action, { flow, username: account.username, password: account.password });
  const consent = await up(loggedIn.location);
  const consentAction = /action="([^"]+)"/.exec(consent.html)?.[1] ?? '';
  const back = await up(consentAction, { flow, action: 'allow' });
  return back.location;
}

/** 支付宝's authorisation page from `start`; returns where it sends the browser back to. */
export async function throughAlipay(start: string, account: { login: string; password: string }): Promise<string> {
  const up = upstreamBrowser();
  const page = await up(start);
  const sid = /name="sid" value="([^"]+)"/.exec(page.html)?.[1] ?? '';
  const action = /action="([^"]+)"/.exec(page.html)?.[1] ?? '';
  const back = await up(action, { sid, from: 'pc', login: account.login, password: account.password });
  return back.location;
}

/** Plays the e-SSC channel app on the mock platform: opens the QR content and authorises `cardNo`. */
export async function authoriseEssc(qrContent: string, cardNo: string): Promise<number> {
  const up = upstreamBrowser();
  await up(qrContent);
  const qrId = new URL(qrContent).searchParams.get('qrId') ?? '';
  return (await up(qrContent.replace(/\?.*$/, ''), { qrId, action: 'confirm', cardNo })).status;
}
