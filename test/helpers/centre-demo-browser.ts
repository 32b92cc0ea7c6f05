// Browser journeys of the user-centre, demo and accessibility suites: password sign-in on the
// provider's login page, signing in to the user centre, the demo relying party served on its own
// loopback port (reached as `localhost`, so its cookies stay apart from the provider's on
// 127.0.0.1), and the face "phone" tab that 模拟扫码 opens.

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Test } from 'tap';
import type { BrowserContext, Page } from 'playwright-core';
import { createDemoRp } from '../../src/demo-rp/app.js';
import type { TestApp } from './app.js';
import { unfoldQr } from './browser-journeys.js';

/** On the provider's login page (password tab): fills 账号 and 密码 and presses 登录. */
export async function passwordSignIn(page: Page, account: string, password: string): Promise<void> {
  await page.getByLabel('账号', { exact: true }).fill(account);
  await page.getByLabel('密码', { exact: true }).fill(password);
  await page.getByRole('button', { name: '登录', exact: true }).click();
}

/** Opens `path` of the user centre, signs in on the provider's login page, waits to be back on `path`. */
export async function signInToCentre(page: Page, appUrl: string, account: string, password: string, path = '/account'): Promise<void> {
  await page.goto(`${appUrl}${path}`);
  await page.waitForURL(/\/interaction\/[\w-]+$/);
  await passwordSignIn(page, account, password);
  await page.waitForURL(`${appUrl}${path}`);
}

export interface DemoServer {
  /** http://localhost:<port> */
  url: string;
  /** The provider's devClient override that registers the demo's callback. */
  devClient: { clientId: string; clientSecret: string; redirectUris: string[]; postLogoutRedirectUris: string[] };
  /** Starts serving the demo against the provider `app`. */
  attach(app: TestApp): void;
  /** Failures the demo reported (the citizen only saw a friendly page). */
  errors: string[];
}

/** Listens first (the demo's URL is the redirect URI the provider must know), serves after attach(). */
export async function listenDemoServer(t: Test): Promise<DemoServer> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://localhost:${(server.address() as AddressInfo).port}`;
  t.teardown(() => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }));
  const devClient = { clientId: 'demo-rp', clientSecret: 'demo-rp-secret-for-tests', redirectUris: [`${url}/callback`], postLogoutRedirectUris: [`${url}/`] };
  const errors: string[] = [];
  return {
    url,
    devClient,
    errors,
    attach(app) {
      const demo = createDemoRp({ issuer: app.url, clientId: devClient.clientId, clientSecret: devClient.clientSecret, baseUrl: url, onError: (m) => errors.push(m) });
      server.on('request', demo.callback());
    },
  };
}

/**
 * On a face-check page: clicks 模拟扫码 (a new tab, the "phone"), presses the outcome there and
 * closes that tab. The original page is left to follow the verifier by itself.
 */
export async function faceOnPhone(context: BrowserContext, page: Page, outcome: '模拟人脸识别通过' | '模拟人脸识别失败'): Promise<void> {
  await unfoldQr(page);
  const [phone] = await Promise.all([context.waitForEvent('page'), page.getByRole('link', { name: '模拟扫码', exact: true }).click()]);
  await phone.waitForLoadState('domcontentloaded');
  await phone.getByRole('button', { name: outcome, exact: true }).click();
  // The mock's result is an <h1 role="status">: a status, not a heading, to assistive technology.
  await phone.getByRole('status').filter({ hasText: outcome === '模拟人脸识别通过' ? /^认证通过$/ : /^认证未通过$/ }).waitFor();
  await phone.close();
}
