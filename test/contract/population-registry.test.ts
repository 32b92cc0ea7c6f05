// Contract suite of the population registry port: the fixture-backed mock adapter, and the HTTP
// adapter against the mock registry gateway running as a real HTTP server on loopback.

import t, { type Test } from 'tap';
import Koa from 'koa';
import { createControllableClock } from '../../src/domain/clock.js';
import { createHttpPopulationRegistry } from '../../src/adapters/population-registry/http.js';
import { createMockPopulationRegistry } from '../../src/adapters/population-registry/mock.js';
import { newNonce, registryHeaders, signRegistryRequest } from '../../src/adapters/population-registry/signature.js';
import { loadPopulationRegistry } from '../../src/mocks/fixtures.js';
import { createPopulationRegistryMock } from '../../src/mocks/population-registry/app.js';
import type { RunningServer } from '../../src/mocks/shared/serve.js';
import { serveForTest } from '../helpers/upstream-contract.js';

const people = loadPopulationRegistry();
const gatewayApp = { appKey: 'jsrs-idp', appSecret: 'registry-secret-for-tests' };
const someone = people[0]!;

const serveGateway = (t: Test, clock = createControllableClock()): Promise<RunningServer> =>
  serveForTest(t, createPopulationRegistryMock({ people, apps: [gatewayApp], clock }));

t.test('fixtures load with every certificate type', async (t) => {
  t.equal(people.length, 64);
  t.same([...new Set(people.map((p) => p.certType))].sort(), ['01', '04', '06', '07', '11']);
});

t.test('mock adapter: every fixture matches; any changed field mismatches', async (t) => {
  const registry = createMockPopulationRegistry({ people });
  for (const p of people) {
    t.equal(await registry.verify(p.certType, p.idNumber, p.name), 'match', `${p.certType} ${p.name}`);
    t.equal(await registry.verify(p.certType, p.idNumber, `${p.name}x`), 'mismatch');
    t.equal(await registry.verify(p.certType === '01' ? '08' : '01', p.idNumber, p.name), 'mismatch');
    t.equal(await registry.verify(p.certType, `${p.idNumber.slice(0, -1)}0`, p.name) === 'match', p.idNumber.endsWith('0'));
  }
});

t.test('http adapter against the mock gateway: match and mismatch', async (t) => {
  const server = await serveGateway(t);
  const registry = createHttpPopulationRegistry({ url: `${server.url}/verify`, ...gatewayApp, timeoutMs: 2000 });
  for (const p of people) t.equal(await registry.verify(p.certType, p.idNumber, p.name), 'match', p.name);
  t.equal(await registry.verify(someone.certType, someone.idNumber, '张三'), 'mismatch');
  t.equal(await registry.verify('01', '110101199003074514', someone.name), 'mismatch');
});

t.test('the gateway refuses bad signatures, unknown apps, stale timestamps and replays', async (t) => {
  const clock = createControllableClock(new Date('2025-03-01T02:00:00Z'));
  const server = await serveGateway(t, clock);
  const url = `${server.url}/verify`;
  const body = JSON.stringify({ cert_type: someone.certType, id_number: someone.idNumber, name: someone.name });
  const send = async (headers: Record<string, string>, payload = body) => {
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: payload });
    return { status: response.status, body: (await response.json()) as unknown };
  };
  const signed = (timestamp: string, nonce: string, secret = gatewayApp.appSecret, appKey = gatewayApp.appKey) => ({
    [registryHeaders.appKey]: appKey,
    [registryHeaders.timestamp]: timestamp,
    [registryHeaders.nonce]: nonce,
    [registryHeaders.signature]: signRegistryRequest(secret, timestamp, nonce, body),
  });
  const now = String(clock.now().getTime());

  t.same(await send(signed(now, newNonce(), 'wrong-secret')), { status: 401, body: { error: 'invalid_signature' } });
  t.same(await send(signed(now, newNonce(), gatewayApp.appSecret, 'other-app')), { status: 401, body: { error: 'invalid_signature' } });
  t.same(await send(signed(now, newNonce()), body.replace(someone.name, '张三')), { status: 401, body: { error: 'invalid_signature' } }, 'the body is covered');
  t.same(await send(signed(String(clock.now().getTime() - 5 * 60_000 - 1), newNonce())), { status: 401, body: { error: 'stale_timestamp' } });
  const nonce = newNonce();
  t.same(await send(signed(now, nonce)), { status: 200, body: { result: 'match' } });
  t.same(await send(signed(now, nonce)), { status: 401, body: { error: 'replayed_nonce' } });

  const wrongSecret = createHttpPopulationRegistry({ url, appKey: gatewayApp.appKey, appSecret: 'wrong', timeoutMs: 2000, clock });
  t.equal(await wrongSecret.verify(someone.certType, someone.idNumber, someone.name), 'unavailable', 'the adapter never throws');
  const staleClock = createControllableClock(new Date(clock.now().getTime() - 10 * 60_000));
  const stale = createHttpPopulationRegistry({ url, ...gatewayApp, timeoutMs: 2000, clock: staleClock });
  t.equal(await stale.verify(someone.certType, someone.idNumber, someone.name), 'unavailable');
});

t.test('timeout, 5xx, garbage and network errors → unavailable', async (t) => {
  const server = await serveForTest(
    t,
    new Koa().use(async (ctx) => {
      if (ctx.path === '/hang') await new Promise(() => undefined);
      if (ctx.path === '/garbage') {
        ctx.body = { result: 'maybe' };
        return;
      }
      if (ctx.path === '/html') {
        ctx.type = 'text/html';
        ctx.body = '<html>gateway</html>';
        return;
      }
      ctx.status = 500;
      ctx.body = { result: 'match' };
    }),
  );
  // A short timeout only for the hanging server: the others must fail for their own reason, not the clock.
  const verifyAt = (path: string, url = `${server.url}${path}`, timeoutMs = 5000) =>
    createHttpPopulationRegistry({ url, ...gatewayApp, timeoutMs }).verify(someone.certType, someone.idNumber, someone.name);

  const started = Date.now();
  t.equal(await verifyAt('/hang', undefined, 200), 'unavailable');
  t.ok(Date.now() - started < 3000, 'gives up near timeoutMs');
  t.equal(await verifyAt('/error'), 'unavailable', '500 even with a match body');
  t.equal(await verifyAt('/garbage'), 'unavailable');
  t.equal(await verifyAt('/html'), 'unavailable');
  t.equal(await verifyAt('', 'http://127.0.0.1:1/verify'), 'unavailable');
});
