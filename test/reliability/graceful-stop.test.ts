// SIGTERM: a request in flight finishes, new connections are refused, the process exits 0 within
// a bound. The in-flight request is an SMS send whose gateway answers slowly on purpose. On
// PostgreSQL the same again with WORKERS=2: the primary drains its workers.

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import t, { type Test } from 'tap';
import { waitUntil } from '../helpers/cluster-node.js';
import { createEmptyPostgresDatabase, testDatabaseUrl } from '../helpers/database.js';
import { testEncryptionKey } from '../helpers/app.js';
import { startNodeProcess } from '../helpers/node-process.js';
import { syntheticIdNumber } from '../helpers/citizens.js';
import { solvePow } from '../helpers/oidc-flow.js';
import type { Challenge } from 'altcha-lib';

async function stopsGracefully(t: Test, workers: number): Promise<void> {
  // The SMS gateway answers only when the test releases it: the request is in flight for as long as
  // the test needs, and the test learns when it got there (events, not guessed durations).
  let arrived: () => void = () => undefined;
  const reachedGateway = new Promise<void>((resolve) => (arrived = resolve));
  let release: () => void = () => undefined;
  const released = new Promise<void>((resolve) => (release = resolve));
  t.teardown(() => release());
  const slowGateway = http.createServer((req, res) => {
    req.resume();
    arrived();
    void released.then(() => res.end('{"ok":true}'));
  });
  await new Promise<void>((resolve) => slowGateway.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => { slowGateway.closeAllConnections(); slowGateway.close(() => resolve()); }));
  const gatewayUrl = `http://127.0.0.1:${(slowGateway.address() as AddressInfo).port}/send`;

  const env: Record<string, string> = { ENCRYPTION_KEY: testEncryptionKey, SMS_DRIVER: 'http', SMS_URL: gatewayUrl, SMS_TIMEOUT_MS: '120000', BCRYPT_COST: '4', LOG_LEVEL: 'info', WORKERS: String(workers) };
  if (testDatabaseUrl) {
    const fresh = await createEmptyPostgresDatabase(testDatabaseUrl);
    t.teardown(() => fresh.drop());
    env.DATABASE_URL = fresh.url;
  } else {
    env.DATA_DIR = `/tmp/jsrs-graceful-${process.pid}-${Date.now()}`;
  }
  const node = await startNodeProcess(env);
  t.teardown(() => node.stop('SIGKILL'));
  if (workers > 1) await waitUntil('every worker listening', () => /jsrs-idp node ready/.test(node.output()), 120_000);

  // The captcha peek (/dev/captcha.json) answers with the newest captcha of the process that serves
  // it: with several workers the peek and the captcha may come from different workers, and the send
  // is then refused before it reaches the gateway. So: send until one reaches it (bounded).
  let inFlight: Promise<Response> | undefined;
  for (let attempt = 1; attempt <= 10 && !inFlight; attempt += 1) {
    const captcha = (await (await fetch(`${node.url}/api/register/captcha`, { method: 'POST' })).json()) as { captcha_id: string; pow_challenge: Challenge };
    const pow = await solvePow(captcha.pow_challenge);
    const answer = ((await (await fetch(`${node.url}/dev/captcha.json`)).json()) as { answer: string }).answer;
    const send = fetch(`${node.url}/api/register/sms-code`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ cert_type: '01', document_number: syntheticIdNumber(), name: '平滑停止', phone: '13700001111', captcha_id: captcha.captcha_id, captcha_answer: answer, pow_solution: pow }),
    });
    const first = await Promise.race([reachedGateway.then(() => 'gateway' as const), send.then(() => 'answered' as const, () => 'answered' as const)]);
    if (first === 'gateway') {
      inFlight = send;
      t.comment(`the send reached the gateway at attempt ${attempt}`);
    }
    else if (workers === 1) break; // one process: the peek is always right, so a refusal is a real failure
  }
  if (!inFlight) {
    t.fail('no send reached the SMS gateway');
    return;
  }
  let inFlightSettled = false;
  void inFlight.finally(() => (inFlightSettled = true)).catch(() => undefined);
  const stopping = node.stop('SIGTERM', 20_000);
  const stopStarted = Date.now();
  // Every process has begun to stop (the event), then the port stops taking connections: with
  // several workers the primary owns the listening socket and closes it once each worker closed.
  await waitUntil('every process stopping', () => (node.output().match(/stopping: /g)?.length ?? 0) >= 1, 10_000);
  const refused = async () => fetch(`${node.url}/healthz`, { signal: AbortSignal.timeout(1000) }).then(() => false, () => true);
  await waitUntil('a new connection is refused', refused, 4_000);
  t.notOk(inFlightSettled, 'a new connection is refused while the in-flight request is still running');
  release();
  const res = await inFlight;
  const body = (await res.json()) as Record<string, unknown>;
  t.equal(res.status, 200, 'the in-flight request finished normally');
  t.type(body.flow_id, 'string');
  t.equal(await stopping, 0, 'the process exits with code 0');
  t.ok(Date.now() - stopStarted < 15_000, 'within the bound');
  t.match(node.output(), /stopped/, 'and says so');
  if (workers > 1) t.equal(node.output().match(/"msg":"stopped"/g)?.length, workers + 1, 'every worker and the primary stopped');
}

t.test('SIGTERM lets in-flight requests finish and refuses new ones', (t) => stopsGracefully(t, 1));
t.test('the same with WORKERS=2', { skip: testDatabaseUrl ? false : 'several workers need PostgreSQL' }, (t) => stopsGracefully(t, 2));
