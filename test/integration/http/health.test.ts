// Health, readiness and metrics. Against PostgreSQL, the database is reached through a TCP proxy
// the test can cut: /readyz turns 503 during the outage and back to 200 after, with no restart.

import net from 'node:net';
import type { AddressInfo } from 'node:net';
import t from 'tap';
import { connectDatabase } from '../../../src/db/connect.js';
import { createTestDatabase, engineName, testDatabaseUrl } from '../../helpers/database.js';
import { startTestApp } from '../../helpers/app.js';

/** A TCP proxy to PostgreSQL whose link can be cut and restored. */
async function cuttableProxy(target: URL) {
  const sockets = new Set<net.Socket>();
  let up = true;
  const server = net.createServer((client) => {
    if (!up) return client.destroy();
    const upstream = net.connect(Number(target.port || 5432), target.hostname);
    sockets.add(client).add(upstream);
    client.pipe(upstream).pipe(client);
    const drop = () => { client.destroy(); upstream.destroy(); sockets.delete(client); sockets.delete(upstream); };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    cut() { up = false; for (const s of sockets) s.destroy(); sockets.clear(); },
    restore() { up = true; },
    close: () => new Promise<void>((resolve) => { for (const s of sockets) s.destroy(); server.close(() => resolve()); }),
  };
}

t.test(`healthz, readyz and metrics (${engineName})`, async (t) => {
  const testDb = await createTestDatabase();
  t.teardown(() => testDb.drop());
  const app = await startTestApp(t, { database: testDb.database });
  const health = await fetch(`${app.url}/healthz`);
  t.equal(health.status, 200);
  t.same(await health.json(), { status: 'ok' });
  const ready = await fetch(`${app.url}/readyz`);
  t.equal(ready.status, 200);
  await fetch(`${app.url}/.well-known/openid-configuration`);
  const metrics = await (await fetch(`${app.url}/metrics`)).text();
  t.match(metrics, /jsrs_http_requests_total\{route="\/healthz",method="GET",status="200"\} 1/);
  t.match(metrics, /jsrs_http_request_duration_seconds_bucket/);
  t.match(metrics, /# TYPE jsrs_oidc_events_total counter/);
  const missing = await fetch(`${app.url}/no-such-page`, { headers: { accept: 'text/html' } });
  t.equal(missing.status, 404);
  t.match(await missing.text(), /页面不存在/, 'a Chinese not-found page');
});

t.test('readyz follows the database through an outage without a restart (postgres)', { skip: testDatabaseUrl ? false : 'the embedded engine lives in-process and cannot become unreachable' }, async (t) => {
  const testDb = await createTestDatabase();
  t.teardown(() => testDb.drop());
  const direct = new URL(testDb.url as string);
  const proxy = await cuttableProxy(direct);
  t.teardown(() => proxy.close());
  const viaProxy = new URL(direct);
  viaProxy.hostname = '127.0.0.1';
  viaProxy.port = String(proxy.port);
  const database = await connectDatabase({ databaseUrl: viaProxy.toString(), dataDir: 'unused', connectTimeoutMs: 1000, poolMax: 3 });
  t.teardown(() => database.close());
  const app = await startTestApp(t, { database });

  t.equal((await fetch(`${app.url}/readyz`)).status, 200, 'ready while the database answers');
  proxy.cut();
  const started = Date.now();
  const during = await fetch(`${app.url}/readyz`);
  t.equal(during.status, 503, '503 during the outage');
  t.ok(Date.now() - started < 5000, 'answered within a bound');
  const discovery = await fetch(`${app.url}/.well-known/openid-configuration`);
  t.equal(discovery.status, 200, 'discovery needs no database and keeps answering');
  t.equal((await fetch(`${app.url}/healthz`)).status, 200, 'the process stays up');
  proxy.restore();
  let status = 0;
  for (let i = 0; i < 20 && status !== 200; i += 1) {
    status = (await fetch(`${app.url}/readyz`)).status;
    if (status !== 200) await new Promise((r) => setTimeout(r, 250));
  }
  t.equal(status, 200, 'ready again once the database is back, without a restart');
});
