// The enumeration files (test/security/enumeration-*.test.ts, issue 8): a known and an unknown
// identifier get the same answer and median response times less than 20 % apart over 50 tries
// each (`compare`), against an app whose lockout and SMS and POST limits are raised (tested elsewhere).

import type { Test } from 'tap';
import { createTestDatabase } from './database.js';
import { startTestApp } from './app.js';
import { createBrowser, type Response2 } from './http-client.js';
import { demoRelyingParty } from './oidc-flow.js';
import { freshPhone, registerThroughPages, syntheticIdNumber } from './citizens.js';
import { median, timed } from './security.js';

const tries = 50;
const warmUp = 5;
const maxRelativeDifference = 0.2;

/** The page with per-request noise removed: tokens, ids, captcha images and proof-of-work challenges, masked numbers, echoed values. */
function normalise(html: string): string {
  return html
    .replace(/name="(_csrf|flow|captchaId)" value="[^"]*"/g, 'name="$1" value="…"')
    .replace(/src="data:image\/(svg\+xml|jpeg);base64,[^"]*"/g, 'src="data:…"')
    .replace(/data-pow-challenge="[^"]*"/g, 'data-pow-challenge="…"')
    .replace(/(name="(account|phone|documentNumber|name)"[^>]*value=")[^"]*"/g, '$1…"')
    .replace(/1\d{2}\*{4}\d{4}/g, '1**‑****‑****')
    .replace(/<code>[^<]*<\/code>/g, '<code>…</code>');
}

export async function compare(
  t: Test,
  what: string,
  /** Prepares one try (untimed: fetching a captcha, a fresh identifier) and returns the timed request. */
  attempt: (kind: 'known' | 'unknown', i: number) => Promise<() => Promise<Response2>>,
  expected: { status: number; message: (res: Response2) => string; text: string },
): Promise<void> {
  // A systematic difference (an extra hash, extra queries) shows in every round; scheduler noise
  // from other test files running in parallel does not, so up to three rounds are measured and
  // the closest one must be within the bound.
  const bodies: Record<'known' | 'unknown', Set<string>> = { known: new Set(), unknown: new Set() };
  const rounds: number[] = [];
  for (let round = 0; round < 3; round += 1) {
    const times: Record<'known' | 'unknown', number[]> = { known: [], unknown: [] };
    for (let i = 0; i < warmUp + tries; i += 1) {
      for (const kind of (i % 2 ? ['known', 'unknown'] : ['unknown', 'known']) as Array<'known' | 'unknown'>) {
        const send = await attempt(kind, round * 1000 + i);
        const { ms, value: res } = await timed(send);
        if (res.status !== expected.status || expected.message(res) !== expected.text) {
          t.fail(`${what}: ${kind} try ${i} answered ${res.status} "${expected.message(res)}"`);
          return;
        }
        bodies[kind].add(normalise(res.text));
        if (i >= warmUp) times[kind].push(ms);
      }
    }
    const known = median(times.known);
    const unknown = median(times.unknown);
    rounds.push(Math.abs(known - unknown) / Math.min(known, unknown));
    t.comment(`${what}: round ${round + 1} median known ${known.toFixed(2)} ms vs unknown ${unknown.toFixed(2)} ms`);
    if ((rounds[rounds.length - 1] as number) < maxRelativeDifference) break;
  }
  t.pass(`${what}: every try answered ${expected.status} "${expected.text}"`);
  t.same([...bodies.known], [...bodies.unknown], `${what}: the same page for known and unknown`);
  const best = Math.min(...rounds);
  t.ok(best < maxRelativeDifference, `${what}: medians ${(best * 100).toFixed(1)} % apart in the closest of ${rounds.length} round(s) (< ${maxRelativeDifference * 100} %)`);
}

/** The app with raised limits, the demo relying party and one registered citizen, for `t`. */
export async function startEnumerationWorld(t: Test) {
  const testDb = await createTestDatabase();
  t.teardown(() => testDb.drop());
  const app = await startTestApp(t, {
    database: testDb.database,
    overrides: {
      rateLimits: { postsPerIpPerMinute: 100_000 },
      security: { lockoutMaxFailures: 1_000_000 },
      sms: { perNumberPerMinute: 100_000, perNumberPerHour: 100_000, perNumberPerDay: 100_000, perIpPerHour: 100_000 },
    },
  });
  const rp = await demoRelyingParty(app);
  const person = { certType: '01', documentNumber: syntheticIdNumber(), name: '测试用户', phone: freshPhone() };
  t.equal((await registerThroughPages(app, createBrowser(app.url), '/register', person)).status, 201);
  return { testDb, app, rp, person };
}
