// Drives a relying party's authorization-code flow against the real app: openid-client builds the
// request and redeems the code; a test browser walks the interaction pages in between.

import { randomBytes } from 'node:crypto';
import * as client from 'openid-client';
import type { TestApp } from './app.js';
import { createBrowser, inputValue, type Browser, type Response2 } from './http-client.js';
import { powChallengeOf, solvePow } from './pow.js';

export { powChallengeOf, solvePow };

export const demoRedirect = 'http://localhost:3001/callback';

export type Tokens = client.TokenEndpointResponse & client.TokenEndpointResponseHelpers;

export interface Authorization {
  url: string;
  pkce: string;
  state: string;
  nonce: string;
}

/** openid-client configured for one client of the app, redirecting to the demo callback. */
export interface OpenidRelyingParty {
  config: client.Configuration;
  /** The authorization URL (fresh PKCE verifier, state and nonce), with extra parameters. */
  authorization(params?: Record<string, string>): Promise<Authorization>;
  /** Redeems the code of the callback URL, checking PKCE, state and nonce. */
  redeem(callbackUrl: string, flow: Omit<Authorization, 'url'>): Promise<Tokens>;
}

export interface RelyingPartyOptions {
  /** Default: the development demo client. */
  clientId?: string;
  clientSecret?: string;
  /** Default: 'openid profile phone identity'. */
  scope?: string;
}

/** `app` is an in-process app (its demo client by default) or any running provider named by its URL (then say which client). */
export async function openidRelyingParty(app: Pick<TestApp, 'url'> & Partial<Pick<TestApp, 'container'>>, options: RelyingPartyOptions = {}): Promise<OpenidRelyingParty> {
  const demo = app.container?.config.devClient;
  const { clientId = demo?.clientId, clientSecret = demo?.clientSecret, scope = 'openid profile phone identity' } = options;
  if (!clientId) throw new Error('which client? (no in-process app to take the demo client from)');
  const config = await client.discovery(new URL(app.url), clientId, clientSecret, undefined, { execute: [client.allowInsecureRequests] });
  return {
    config,
    async authorization(params = {}) {
      const pkce = client.randomPKCECodeVerifier();
      const state = randomBytes(8).toString('hex');
      const nonce = randomBytes(8).toString('hex');
      const url = client.buildAuthorizationUrl(config, {
        redirect_uri: demoRedirect,
        scope,
        code_challenge: await client.calculatePKCECodeChallenge(pkce),
        code_challenge_method: 'S256',
        state,
        nonce,
        ...params,
      });
      return { url: url.toString(), pkce, state, nonce };
    },
    redeem: (callbackUrl, flow) =>
      client.authorizationCodeGrant(config, new URL(callbackUrl), { pkceCodeVerifier: flow.pkce, expectedState: flow.state, expectedNonce: flow.nonce }),
  };
}

/** A relying party whose interaction pages a test browser (helpers/http-client) walks. */
export interface RelyingParty {
  config: client.Configuration;
  /** Starts an authorization in `browser`; returns the interaction page it lands on. */
  authorize(browser: Browser, params?: Record<string, string>): Promise<{ page: Response2; pkce: string; state: string; nonce: string }>;
  /** Follows redirects from `url` to the redirect_uri and redeems the code. */
  finish(browser: Browser, url: string, flow: { pkce: string; state: string; nonce: string }): Promise<Tokens>;
}

const atClient = (url: string) => url.startsWith(demoRedirect);

/** Puts a test browser in front of `rp`. */
export function browsingRelyingParty(rp: OpenidRelyingParty): RelyingParty {
  return {
    config: rp.config,
    async authorize(browser, params = {}) {
      const { url, ...flow } = await rp.authorization(params);
      return { page: await browser.follow(url, atClient), ...flow };
    },
    async finish(browser, url, flow) {
      let landed = await browser.follow(url, atClient);
      // an account that has not agreed to the policy texts in force is asked on the way (issue 15)
      const answered = await acceptPoliciesIfAsked(browser, landed);
      if (answered !== landed) landed = await browser.follow(answered.location ?? answered.url, atClient);
      if (!landed.url.startsWith(demoRedirect)) throw new Error(`did not reach the client: ${landed.status} ${landed.url}\n${landed.text.slice(0, 500)}`);
      return rp.redeem(landed.url, flow);
    },
  };
}

/** Whether `page` is the page that asks to agree to the policy texts in force (pages/interaction/policies.ts). */
export function isPoliciesPage(page: Pick<Response2, 'status' | 'text'>): boolean {
  return page.status === 200 && /<form method="post" action="\/interaction\/[\w-]+\/policies">/.test(page.text) && page.text.includes('name="answer" value="accept"');
}

/**
 * When `page` asks to agree to the policy texts in force (a new version, or an account created
 * without seeing them: from an upstream sign-in or imported), presses 同意并继续 and returns that
 * answer (a redirect back into the authorization); any other page is returned unchanged.
 */
export async function acceptPoliciesIfAsked(browser: Browser, page: Response2): Promise<Response2> {
  if (!isPoliciesPage(page)) return page;
  const action = /<form method="post" action="(\/interaction\/[\w-]+\/policies)">/.exec(page.text)?.[1] as string;
  const answered = await browser.post(action, { _csrf: inputValue(page.text, '_csrf') ?? '', version: inputValue(page.text, 'version') ?? '', answer: 'accept' });
  if (answered.status !== 303) throw new Error(`accepting the policies answered ${answered.status}\n${answered.text.slice(0, 500)}`);
  return answered;
}

/** The development demo client (first party) walked by a test browser. */
export async function demoRelyingParty(app: TestApp): Promise<RelyingParty> {
  return browsingRelyingParty(await openidRelyingParty(app));
}

/** The newest captcha answer this app issued (development peek). */
export async function captchaAnswer(app: Pick<TestApp, 'url'>): Promise<string> {
  const res = await fetch(`${app.url}/dev/captcha.json`);
  const body = (await res.json()) as { answer: string | null };
  if (!body.answer) throw new Error('no captcha issued');
  return body.answer;
}

/**
 * The captcha fields of a page answered as a person with JavaScript would: the captcha id, the
 * answer (development peek) and the solved proof of work.
 */
export async function solvedCaptcha(app: Pick<TestApp, 'url'>, html: string): Promise<{ captchaId: string; captcha: string; pow: string }> {
  // A page without a captcha has no challenge either: the browser would send no proof.
  const pow = /data-pow-challenge="/.test(html) ? await solvePow(powChallengeOf(html)) : '';
  return { captchaId: inputValue(html, 'captchaId') ?? '', captcha: await captchaAnswer(app), pow };
}

/** The newest 6-digit code sent to `phone` (dev outbox). */
export async function lastSmsCode(app: Pick<TestApp, 'url'>, phone: string): Promise<string | undefined> {
  const res = await fetch(`${app.url}/dev/outbox.json?phone=${encodeURIComponent(phone)}`);
  const messages = (await res.json()) as Array<{ text: string }>;
  return /(\d{6})/.exec(messages[0]?.text ?? '')?.[1];
}

export function formFields(html: string, names: string[]): Record<string, string> {
  return Object.fromEntries(names.map((n) => [n, inputValue(html, n) ?? '']));
}

export { createBrowser };
