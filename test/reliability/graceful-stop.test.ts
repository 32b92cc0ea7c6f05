// SIGTERM: a request in flight finishes, new connections are refused, the process exits 0 within
// a bound. The in-flight request is an SMS send whose gateway answers slowly on purpose.

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import t from 'tap';
import { createEmptyPostgresDatabase, testDatabaseUrl } from '../helpers/database.js';
import { testEncryptionKey } from '../helpers/app.js';
import { startNodeProcess } from '../helpers/node-process.js';
import { syntheticIdNumber } from '../helpers/citizens.js';

t.test('SIGTERM lets in-flight requests finish and refuses new ones', async (t) => {
  const slowGateway = http.createServer((req, res) => {
    req.resume();
    setTimeout(() => res.end('{"ok":true}'), 2500);
  });
  await new Promise<void>((resolve) => slowGateway.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => { slowGateway.closeAllConnections(); slowGateway.close(() => resolve()); }));
  const gatewayUrl = `http://127.0.0.1:${(slowGateway.address() as AddressInfo).port}/send`;

  const env: Record<string, string> = { ENCRYPTION_KEY: testEncryptionKey, SMS_DRIVER: 'http', SMS_URL: gatewayUrl, SMS_TIMEOUT_MS: '8000', BCRYPT_COST: '4', LOG_LEVEL: 'info' };
  if (testDatabaseUrl) {
    const fresh = await createEmptyPostgresDatabase(testDatabaseUrl);
    t.teardown(() => fresh.drop());
    env.DATABASE_URL = fresh.url;
  } else {
    env.DATA_DIR = `/tmp/jsrs-graceful-${process.pid}-${Date.now()}`;
  }
  const node = await startNodeProcess(env);
  t.teardown(() => node.stop('SIGKILL'));

  const captcha = (await (await fetch(`${node.url}/api/register/captcha`, { method: 'POST' })).json()) as { captcha_id: string };
  const answer = ((await (await fetch(`${node.url}/dev/captcha.json`)).json()) as { answer: string }).answer;
  const inFlight = fetch(`${node.url}/api/register/sms-code`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ cert_type: '01', document_number: syntheticIdNumber(), name: '平滑停止', phone: '13700001111', captcha_id: captcha.captcha_id, captcha_answer: answer }),
  });
  await new Promise((r) => setTimeout(r, 700));
  const stopping = node.stop('SIGTERM', 20_000);
  const stopStarted = Date.now();
  await new Promise((r) => setTimeout(r, 300));
  await t.rejects(fetch(`${node.url}/healthz`, { signal: AbortSignal.timeout(3000) }), 'a new connection is refused while stopping');
  const res = await inFlight;
  const body = (await res.json()) as Record<string, unknown>;
  t.equal(res.status, 200, 'the in-flight request finished normally');
  t.type(body.flow_id, 'string');
  t.equal(await stopping, 0, 'the process exits with code 0');
  t.ok(Date.now() - stopStarted < 15_000, 'within the bound');
  t.match(node.output(), /stopped/, 'and says so');
});
