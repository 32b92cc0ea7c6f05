// Helpers for the security and reliability suites: a third-party (consent-requiring) relying
// party, a snapshot of the state a refused request must not change, timing statistics, and the
// one-line message of a re-rendered form.

import { sql } from 'kysely';
import { demoClientMetadata } from '../../src/oidc/clients-file.js';
import type { TestApp } from './app.js';
import { browsingRelyingParty, openidRelyingParty, type RelyingParty } from './oidc-flow.js';

export const thirdPartyClientId = 'third-party-rp';
const thirdPartySecret = 'third-party-rp-secret-0123456789';

/** Saves a client that is not first party (so consent is asked) and returns its relying party. */
export async function thirdPartyRelyingParty(app: TestApp): Promise<RelyingParty> {
  await app.container.clients.save(
    { ...demoClientMetadata(app.container.config), client_id: thirdPartyClientId, client_secret: thirdPartySecret, client_name: '第三方测试应用', first_party: false },
    'cli',
  );
  return browsingRelyingParty(await openidRelyingParty(app, { clientId: thirdPartyClientId, clientSecret: thirdPartySecret, scope: 'openid profile phone' }));
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
