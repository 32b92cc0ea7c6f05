// Shared setup of the upstream contract suites (test/contract/*): mock upstreams served on loopback
// until the test ends (the Alipay-style gateway mocks with the options an adapter calls them with),
// RSA key pairs, the mock pages' forms, and the UpstreamError an adapter call fails with.

import { generateKeyPairSync } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Test } from 'tap';
import Koa from 'koa';
import mount from 'koa-mount';
import { gatewayFailureOf } from '../../src/adapters/upstreams/alipay/gateway.js';
import { UpstreamError } from '../../src/errors/app-error.js';
import { serveOnLoopback, type RunningServer } from '../../src/mocks/shared/serve.js';

export function rsaKeyPair(): { privateKeyPem: string; publicKeyPem: string } {
  const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    privateKeyPem: pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKeyPem: pair.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

/** Serves `app` on loopback; closed when `t` ends. */
export async function serveForTest(t: Test, app: Koa): Promise<RunningServer> {
  const server = await serveOnLoopback(app);
  t.teardown(() => server.close());
  return server;
}

/**
 * Serves a bare request listener on loopback (for servers that hang or cut answers on purpose) and
 * returns its base URL; every connection, hung ones included, is closed when `t` ends.
 */
export async function serveListenerForTest(t: Test, listener: http.RequestListener): Promise<string> {
  const server = http.createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Serves an app whose construction needs the server's own URL; closed when `t` ends. */
export async function serveWithUrl(t: Test, build: (baseUrl: string) => Koa): Promise<RunningServer> {
  let inner: Koa.Middleware | undefined;
  const outer = new Koa();
  outer.use((ctx, next) => (inner ? inner(ctx, next) : next()));
  const server = await serveForTest(t, outer);
  inner = mount(build(server.url));
  return server;
}

/** What an adapter of an Alipay-style signed gateway is configured with to call a mock. */
export interface GatewayOptions {
  appId: string;
  privateKeyPem: string;
  alipayPublicKeyPem: string;
  gatewayUrl: string;
  timeoutMs: number;
}

/**
 * Serves an Alipay-style gateway mock (支付宝 login, face verification) until `t` ends. `build` gets
 * the mock's base URL as a function (known once it listens). `gateway` is how the app `appId`,
 * signing with `privateKeyPem`, calls it (timeout 2 s).
 */
export async function serveGatewayMock<M extends Koa & { publicKeyPem: string }>(
  t: Test,
  build: (baseUrl: () => string) => M,
  app: { appId: string; privateKeyPem: string },
): Promise<{ server: RunningServer; mock: M; gateway: GatewayOptions }> {
  let baseUrl = '';
  const mock = build(() => baseUrl);
  const server = await serveForTest(t, mock);
  baseUrl = server.url;
  return {
    server,
    mock,
    gateway: { appId: app.appId, privateKeyPem: app.privateKeyPem, alipayPublicKeyPem: mock.publicKeyPem, gatewayUrl: `${server.url}/gateway.do`, timeoutMs: 2000 },
  };
}

/** The UpstreamError `promise` rejects with; throws if it resolves or rejects with anything else. */
export async function failureOf(promise: Promise<unknown>): Promise<UpstreamError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof UpstreamError)) throw new Error(`expected an UpstreamError, got ${String(error)}`);
  return error;
}

/** The message of the error an UpstreamError wraps, or ''. */
export const causeMessageOf = (error: UpstreamError): string => (error.cause instanceof Error ? error.cause.message : '');

/** The upstream, reason and detail of a signed-gateway failure. */
export const gatewayReasonOf = (err: UpstreamError) => {
  const failure = gatewayFailureOf(err);
  return { upstream: err.upstream, reason: failure?.reason, detail: failure?.detail };
};

/** Undoes the escaping of an attribute value of a mock page. */
export const decodeAttribute = (s: string) => s.replaceAll('&amp;', '&').replaceAll('&quot;', '"');

/** Reads the form of a mock page: its action and hidden fields. */
export function formOf(html: string): { action: string; hidden: Record<string, string> } {
  const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1];
  if (!action) throw new Error('no form on the page');
  const hidden: Record<string, string> = {};
  for (const m of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)) hidden[m[1]!] = decodeAttribute(m[2]!);
  return { action: decodeAttribute(action), hidden };
}
