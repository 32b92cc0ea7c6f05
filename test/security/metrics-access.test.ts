// GET /metrics (issue 12): in production only to `Authorization: Bearer <METRICS_TOKEN>` (401
// otherwise) and absent (404) when no token is set; in development and tests open unless a token is set.

import t from 'tap';
import { startTestApp } from '../helpers/app.js';
import { createTestDatabase, engineName } from '../helpers/database.js';
import { startProductionApp } from '../helpers/production-app.js';

const token = 'metrics-token-0123456789abcdef';
const scrape = (url: string, authorization?: string) => fetch(`${url}/metrics`, { headers: authorization ? { authorization } : {} });
const isPrometheus = async (res: Response) => /# TYPE jsrs_http_requests_total counter/.test(await res.text());

t.test(`metrics access (${engineName})`, async (t) => {
  const testDb = await createTestDatabase();
  t.teardown(() => testDb.drop());

  await t.test('production without METRICS_TOKEN: 404, whatever is presented', async (t) => {
    const prod = await startProductionApp(t, testDb.database);
    for (const auth of [undefined, `Bearer ${token}`, 'Bearer ']) {
      const res = await scrape(prod.app.url, auth);
      t.equal(res.status, 404, `authorization ${auth ?? '(none)'}`);
      t.notOk(await isPrometheus(res));
    }
  });

  await t.test('production with METRICS_TOKEN: only its bearer scrapes (over the internal network, no proxy)', async (t) => {
    const prod = await startProductionApp(t, testDb.database, { env: { METRICS_TOKEN: token } });
    for (const auth of [undefined, 'Bearer wrong-token-0123456789abcdef', `Bearer ${token}x`, `Bearer ${token.slice(0, -1)}`, `Basic ${Buffer.from(`x:${token}`).toString('base64')}`, token]) {
      const res = await scrape(prod.app.url, auth);
      t.equal(res.status, 401, `authorization ${auth ?? '(none)'}`);
      t.equal(res.headers.get('www-authenticate'), 'Bearer realm="metrics"');
      t.notOk(await isPrometheus(res));
    }
    const ok = await scrape(prod.app.url, `Bearer ${token}`);
    t.equal(ok.status, 200);
    t.ok(await isPrometheus(ok), 'Prometheus text for the bearer');
    t.equal((await scrape(prod.app.url, `bearer ${token}`)).status, 200, 'the scheme is case-insensitive (RFC 9110)');
  });

  await t.test('development and tests: open without a token, guarded with one', async (t) => {
    const open = await startTestApp(t, { database: testDb.database });
    const res = await scrape(open.url);
    t.equal(res.status, 200);
    t.ok(await isPrometheus(res));
    const guarded = await startTestApp(t, { database: testDb.database, env: { METRICS_TOKEN: token } });
    t.equal((await scrape(guarded.url)).status, 401);
    t.equal((await scrape(guarded.url, `Bearer ${token}`)).status, 200);
  });
});
