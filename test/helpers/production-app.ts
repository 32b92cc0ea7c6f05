// The real app started in production mode for tests: NODE_ENV=production with every setting that
// mode requires (cookie keys, https issuer, real-adapter URLs that point at a closed local port, so
// nothing leaves the machine), the demo client saved explicitly (production syncs none), and a
// request helper that plays the TLS-terminating proxy (X-Forwarded-Proto: https, the issuer's Host).

import type { Test } from 'tap';
import { demoClientMetadata } from '../../src/oidc/clients-file.js';
import type { Database } from '../../src/db/connect.js';
import { startTestApp, type TestApp } from './app.js';
import { CookieJar } from './http-client.js';

export const productionIssuer = 'https://idp.example.test';

export const productionEnv: Record<string, string> = {
  NODE_ENV: 'production',
  // The test's own database is handed in; the config carries no DATABASE_URL.
  ALLOW_EMBEDDED_DATABASE: 'true',
  COOKIE_KEYS: 'test-cookie-key-0123456789abcdefghijklmnopqrstuvwxyz',
  SMS_DRIVER: 'http',
  SMS_URL: 'http://127.0.0.1:9/sms',
  SMS_TIMEOUT_MS: '500',
  REGISTRY_DRIVER: 'http',
  REGISTRY_URL: 'http://127.0.0.1:9/registry',
  REGISTRY_APP_KEY: 'test-app-key',
  REGISTRY_APP_SECRET: 'test-app-secret',
  REGISTRY_TIMEOUT_MS: '500',
  // The test's requests come from 127.0.0.1, which plays the TLS-terminating load balancer.
  TRUSTED_PROXIES: '127.0.0.1/32',
};

export interface ProxiedResponse {
  status: number;
  headers: Headers;
  text: string;
  setCookies: string[];
  /** Location as the browser sees it (on the issuer's https origin). */
  location: string | undefined;
}

export interface ProductionApp {
  app: TestApp;
  jar: CookieJar;
  /** A request as the proxy forwards it: `pathOrUrl` on the issuer origin or relative. */
  request(pathOrUrl: string, init?: { method?: string; form?: Record<string, string>; headers?: Record<string, string>; proxied?: boolean; cookies?: boolean }): Promise<ProxiedResponse>;
}

export async function startProductionApp(t: Test, database: Database, options: { env?: Record<string, string> } = {}): Promise<ProductionApp> {
  const app = await startTestApp(t, { database, env: { ...productionEnv, ...options.env }, overrides: { issuer: productionIssuer } });
  await app.container.clients.save(demoClientMetadata(app.container.config), 'cli');
  const jar = new CookieJar();
  const request: ProductionApp['request'] = async (pathOrUrl, init = {}) => {
    const target = new URL(pathOrUrl, productionIssuer);
    if (target.origin !== productionIssuer) throw new Error(`not the issuer's origin: ${pathOrUrl}`);
    const headers = new Headers(init.headers);
    if (init.proxied ?? true) {
      headers.set('x-forwarded-proto', 'https');
      headers.set('x-forwarded-host', new URL(productionIssuer).host);
    }
    const cookie = init.cookies === false ? '' : jar.header();
    if (cookie) headers.set('cookie', cookie);
    let body: string | undefined;
    if (init.form) {
      headers.set('content-type', 'application/x-www-form-urlencoded');
      body = new URLSearchParams(init.form).toString();
    }
    const res = await fetch(`${app.url}${target.pathname}${target.search}`, {
      method: init.method ?? (body ? 'POST' : 'GET'),
      headers,
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(15_000),
    });
    const setCookies = res.headers.getSetCookie();
    if (init.cookies !== false) jar.store(setCookies);
    const location = res.headers.get('location') ?? undefined;
    return { status: res.status, headers: res.headers, text: await res.text(), setCookies, location: location ? new URL(location, productionIssuer).toString() : undefined };
  };
  return { app, jar, request };
}
