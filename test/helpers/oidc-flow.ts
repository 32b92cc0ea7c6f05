// Drives a relying party's authorization-code flow against the real app: openid-client builds the
// request and redeems the code; a test browser walks the interaction pages in between.

import { randomBytes } from 'node:crypto';
import * as client from 'openid-client';
import type { TestApp } from './app.js';
import { createBrowser, inputValue, type Browser, type Response2 } from './http-client.js';

export const demoRedirect = 'http://localhost:3001/callback';

export interface RelyingParty {
  config: client.Configuration;
  /** Starts an authorization in `browser`; returns the interaction page it lands on. */
  authorize(browser: Browser, params?: Record<string, string>): Promise<{ page: Response2; pkce: string; state: string; nonce: string }>;
  /** Follows redirects from `url` to the redirect_uri and redeems the code. */
  finish(browser: Browser, url: string, flow: { pkce: string; state: string; nonce: string }): Promise<client.TokenEndpointResponse & client.TokenEndpointResponseHelpers>;
}

export async function demoRelyingParty(app: TestApp): Promise<RelyingParty> {
  const demo = app.container.config.devClient;
  const config = await client.discovery(new URL(app.url), demo.clientId, demo.clientSecret, undefined, { execute: [client.allowInsecureRequests] });
  return {
    config,
    async authorize(browser, params = {}) {
      const pkce = client.randomPKCECodeVerifier();
      const state = randomBytes(8).toString('hex');
      const nonce = randomBytes(8).toString('hex');
      const url = client.buildAuthorizationUrl(config, {
        redirect_uri: demoRedirect,
        scope: 'openid profile phone identity',
        code_challenge: await client.calculatePKCECodeChallenge(pkce),
        code_challenge_method: 'S256',
        state,
        nonce,
        ...params,
      });
      const page = await browser.follow(url.toString(), (u) => u.startsWith(demoRedirect));
      return { page, pkce, state, nonce };
    },
    async finish(browser, url, flow) {
      const landed = await browser.follow(url, (u) => u.startsWith(demoRedirect));
      if (!landed.url.startsWith(demoRedirect)) throw new Error(`did not reach the client: ${landed.status} ${landed.url}\n${landed.text.slice(0, 500)}`);
      return client.authorizationCodeGrant(config, new URL(landed.url), { pkceCodeVerifier: flow.pkce, expectedState: flow.state, expectedNonce: flow.nonce });
    },
  };
}

/** The newest captcha answer this app issued (development peek). */
export async function captchaAnswer(app: TestApp): Promise<string> {
  const res = await fetch(`${app.url}/dev/captcha.json`);
  const body = (await res.json()) as { answer: string | null };
  if (!body.answer) throw new Error('no captcha issued');
  return body.answer;
}

/** The newest 6-digit code sent to `phone` (dev outbox). */
export async function lastSmsCode(app: TestApp, phone: string): Promise<string | undefined> {
  const res = await fetch(`${app.url}/dev/outbox.json?phone=${encodeURIComponent(phone)}`);
  const messages = (await res.json()) as Array<{ text: string }>;
  return /(\d{6})/.exec(messages[0]?.text ?? '')?.[1];
}

export function formFields(html: string, names: string[]): Record<string, string> {
  return Object.fromEntries(names.map((n) => [n, inputValue(html, n) ?? '']));
}

export { createBrowser };
