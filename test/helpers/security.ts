// Helpers for the security and reliability suites: a third-party (consent-requiring) relying
// party, a snapshot of the state a refused request must not change, timing statistics, and the
// one-line message of a re-rendered form.

import { randomBytes } from 'node:crypto';
import * as client from 'openid-client';
import { sql } from 'kysely';
import { demoClientMetadata } from '../../src/oidc/clients-file.js';
import type { TestApp } from './app.js';
import { demoRedirect, type RelyingParty } from './oidc-flow.js';

export const thirdPartyClientId = 'third-party-rp';
const thirdPartySecret = 'third-party-rp-secret-0123456789';

/** Saves a client that is not first party (so consent is asked) and returns its relying party. */
export async function thirdPartyRelyingParty(app: TestApp): Promise<RelyingParty> {
  await app.container.clients.save(
    { ...demoClientMetadata(app.container.config), client_id: thirdPartyClientId, client_secret: thirdPartySecret, client_name: '第三方测试应用', first_party: false },
    'cli',
  );
  const config = await client.discovery(new URL(app.url), thirdPartyClientId, thirdPartySecret, undefined, { execute: [client.allowInsecureRequests] });
  return {
    config,
    async authorize(browser, params = {}) {
      const pkce = client.randomPKCECodeVerifier();
      const state = randomBytes(8).toString('hex');
      const nonce = randomBytes(8).toString('hex');
      const url = client.buildAuthorizationUrl(config, {
        redirect_uri: demoRedirect,
        scope: 'openid profile phone',
        code_challenge: await client.calculatePKCECodeChallenge(pkce),
        code_challenge_method: 'S256',
        state,
        nonce,
        ...params,
      });
      return { page: await browser.follow(url.toString()), pkce, state, nonce };
    },
    async finish(browser, url, flow) {
      const landed = await browser.follow(url, (u) => u.startsWith(demoRedirect));
      if (!landed.url.startsWith(demoRedirect)) throw new Error(`did not reach the client: ${landed.status} ${landed.url}`);
      return client.authorizationCodeGrant(config, new URL(landed.url), { pkceCodeVerifier: flow.pkce, expectedState: flow.state, expectedNonce: flow.nonce });
    },
  };
}

const snapshotTables = ['accounts', 'phones', 'password_credentials', 'login_failures', 'one_time_codes', 'flows', 'audit_events', 'oidc_payloads', 'identity_proofs'] as const;

/**
 * Row counts (and a digest of row contents) of the tables a page POST can change, plus the
 * number of consumed captchas and of messages in the dev SMS outbox. Rate-limit counters are
 * left out: a refused POST still counts against its IP, by design.
 */
export async function stateSnapshot(app: TestApp): Promise<Record<string, string>> {
  const db = app.container.database.db;
  const out: Record<string, string> = {};
  for (const table of snapshotTables) {
    const row = await sql<{ n: string; digest: string | null }>`select count(*)::text as n, md5(string_agg(t::text, '|' order by t::text)) as digest from ${sql.table(table)} t`.execute(db);
    out[table] = `${row.rows[0]?.n}:${row.rows[0]?.digest ?? ''}`;
  }
  const consumed = await db.selectFrom('captchas').select((eb) => eb.fn.countAll<string>().as('n')).where('consumed_at', 'is not', null).executeTakeFirstOrThrow();
  out.consumedCaptchas = String(consumed.n);
  const outbox = (await (await fetch(`${app.url}/dev/outbox.json`)).json()) as unknown[];
  out.outbox = String(outbox.length);
  return out;
}

/** The text of the form-level error (role="alert") of a re-rendered page, or ''. */
export function formError(html: string): string {
  return /<div class="form-error" role="alert">([^<]*)<\/div>/.exec(html)?.[1]?.trim() ?? '';
}

/** The text of the error page's message (our error template), or ''. */
export function errorPageMessage(html: string): string {
  return /<section class="card" role="alert">\s*<h1>[^<]*<\/h1>\s*<p>([^<]*)<\/p>/.exec(html)?.[1]?.trim() ?? '';
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Milliseconds `fn` takes (high-resolution). */
export async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const started = performance.now();
  const value = await fn();
  return { ms: performance.now() - started, value };
}
