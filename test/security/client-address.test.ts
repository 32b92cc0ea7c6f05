// Client addresses behind proxies, over HTTP (issue 12). In production the leftmost
// X-Forwarded-For used to count: rotating fake addresses escaped the per-IP POST limit and each
// added a rate_limits row. Now only TRUSTED_PROXIES are believed: with a hop count the right-most
// address (the one the balancer appended) counts; with CIDRs a peer outside them is not trusted at
// all (neither its X-Forwarded-For nor its X-Forwarded-Proto); with none, the socket address counts.

import t, { type Test } from 'tap';
import { buildApp } from '../../src/app.js';
import type { TestApp } from '../helpers/app.js';
import { startTestApp } from '../helpers/app.js';
import { createTestDatabase, engineName } from '../helpers/database.js';
import { startProductionApp, type ProductionApp } from '../helpers/production-app.js';

const limit = 5;
const posts = 9;
const fake = (i: number) => `203.0.113.${i + 1}`;

t.test(`client address behind proxies (${engineName})`, async (t) => {
  const testDb = await createTestDatabase();
  t.teardown(() => testDb.drop());
  const { db } = testDb.database;
  const buckets = async () => (await db.selectFrom('rate_limits').select(['bucket', 'count']).where('bucket', 'like', 'post:ip:%').execute()).map((r) => ({ bucket: r.bucket, count: r.count }));

  /** `posts` POSTs to /register, each with a new fake left-most X-Forwarded-For; then the statuses. */
  const rotate = async (prod: ProductionApp, appended: string | undefined) => {
    const statuses: number[] = [];
    for (let i = 0; i < posts; i += 1) {
      const forwardedFor = appended ? `${fake(i)}, ${appended}` : fake(i);
      const res = await prod.request('/register', { method: 'POST', form: { _csrf: 'x' }, headers: { 'x-forwarded-for': forwardedFor }, cookies: false });
      statuses.push(res.status);
    }
    return statuses;
  };
  const assertLimited = (t: Test, statuses: number[]) => {
    t.notOk(statuses.slice(0, limit).includes(429), `the first ${limit} POSTs pass the limit (then fail CSRF)`);
    t.same(statuses.slice(limit), Array<number>(posts - limit).fill(429), 'every later one is refused, fake addresses or not');
  };
  /** Our Koa app and the mounted provider read forwarded headers under the same setting. */
  const assertAgree = (t: Test, app: TestApp, expected: boolean) => {
    t.equal(buildApp(app.container).app.proxy, expected, `the Koa app ${expected ? 'reads' : 'ignores'} forwarded headers`);
    t.equal(app.container.oidc.provider.proxy, expected, 'and so does the provider');
  };
  const assertNoFakeRows = async (t: Test) => {
    const rows = await buckets();
    t.same(rows.filter((r) => /203\.0\.113\./.test(r.bucket)), [], 'no rate_limits row for any fake address');
  };

  await t.test('production, TRUSTED_PROXIES=1: the right-most hop counts', async (t) => {
    const prod = await startProductionApp(t, testDb.database, { env: { TRUSTED_PROXIES: '1', POSTS_PER_IP_PER_MINUTE: String(limit) } });
    const client = '198.51.100.10';
    assertLimited(t, await rotate(prod, client));
    t.same((await buckets()).filter((r) => r.bucket === `post:ip:${client}`), [{ bucket: `post:ip:${client}`, count: posts }], 'one row, for the address the balancer appended');
    await assertNoFakeRows(t);
    const page = await prod.request('/register');
    t.equal(page.status, 200, "the balancer's X-Forwarded-Proto: https is believed (requireHttps passes)");
    assertAgree(t, prod.app, true);
  });

  await t.test('production, TRUSTED_PROXIES as CIDRs containing the balancer: the first untrusted address from the right', async (t) => {
    const prod = await startProductionApp(t, testDb.database, { env: { TRUSTED_PROXIES: '127.0.0.1/32, 10.0.0.0/8', POSTS_PER_IP_PER_MINUTE: String(limit) } });
    const client = '198.51.100.11';
    // An inner proxy (10.1.2.3) between the balancer and the provider appended its own hop.
    assertLimited(t, await rotate(prod, `${client}, 10.1.2.3`));
    t.same((await buckets()).filter((r) => r.bucket === `post:ip:${client}`), [{ bucket: `post:ip:${client}`, count: posts }]);
    t.same((await buckets()).filter((r) => r.bucket.includes('10.1.2.3')), [], 'the trusted inner hop is skipped');
    await assertNoFakeRows(t);
  });

  await t.test('production, TRUSTED_PROXIES as CIDRs: a peer outside them is not trusted', async (t) => {
    const before = await buckets();
    const prod = await startProductionApp(t, testDb.database, { env: { TRUSTED_PROXIES: '10.0.0.0/8', POSTS_PER_IP_PER_MINUTE: String(limit) } });
    const page = await prod.request('/register', { headers: { 'x-forwarded-for': '198.51.100.12' } });
    t.equal(page.status, 308, 'its X-Forwarded-Proto: https is ignored: sent to the https issuer');
    const statuses = await rotate(prod, '198.51.100.12');
    t.same(statuses, Array<number>(posts).fill(403), 'its POSTs are refused as plain HTTP');
    t.same(await buckets(), before, 'and write no rate_limits row at all');
    assertAgree(t, prod.app, true);
  });

  await t.test('no TRUSTED_PROXIES (development and tests): the socket address counts', async (t) => {
    for (const env of [{}, { TRUSTED_PROXIES: '10.0.0.0/8' }] as Array<Record<string, string>>) {
      await db.deleteFrom('rate_limits').where('bucket', 'like', 'post:ip:%').execute();
      const app = await startTestApp(t, { database: testDb.database, env: { ...env, POSTS_PER_IP_PER_MINUTE: String(limit) } });
      const statuses: number[] = [];
      for (let i = 0; i < posts; i += 1) {
        const res = await fetch(`${app.url}/register`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': fake(i) }, body: '_csrf=x', redirect: 'manual' });
        statuses.push(res.status);
      }
      assertLimited(t, statuses);
      t.same(await buckets(), [{ bucket: 'post:ip:127.0.0.1', count: posts }], `${JSON.stringify(env)}: one row, for the socket address`);
      assertAgree(t, app, env.TRUSTED_PROXIES !== undefined);
    }
  });
});
