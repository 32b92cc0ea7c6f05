// Issue 17: logs a service desk can use. One access-log line per request (method, matched route,
// status, duration, request id, never the query string); the 请求编号 an error page shows is that
// line's request id; every failed upstream call is logged with upstream, operation, error class, latency.

import { Writable } from 'node:stream';
import t from 'tap';
import { createLogger } from '../../src/log/logger.js';
import { startTestApp } from '../helpers/app.js';
import { createTestDatabase, engineName } from '../helpers/database.js';

interface Line {
  level: string;
  msg: string;
  reqId?: string;
  method?: string;
  route?: string;
  status?: number;
  ms?: number;
  upstream?: string;
  operation?: string;
  errorClass?: string;
  latencyMs?: number;
}

function capture() {
  const lines: string[] = [];
  const sink = new Writable({ write: (chunk: Buffer, _e, done) => { lines.push(chunk.toString('utf8')); done(); } });
  return { logger: createLogger('info', sink), text: () => lines.join(''), parsed: () => lines.map((l) => JSON.parse(l) as Line) };
}

// A closed local port: every real adapter fails fast with a network error, nothing leaves the machine.
const closed = 'http://127.0.0.1:9';

t.test(`access log and upstream failures (${engineName})`, async (t) => {
  const testDb = await createTestDatabase();
  t.teardown(() => testDb.drop());
  const log = capture();
  const app = await startTestApp(t, {
    database: testDb.database,
    logger: log.logger,
    env: {
      SMS_DRIVER: 'http', SMS_URL: `${closed}/sms`, SMS_TIMEOUT_MS: '2000',
      REGISTRY_DRIVER: 'http', REGISTRY_URL: `${closed}/registry`, REGISTRY_APP_KEY: 'k', REGISTRY_APP_SECRET: 's', REGISTRY_TIMEOUT_MS: '2000',
      ESSC_BASE_URL: `${closed}/essc`, JSZW_BASE_URL: `${closed}/jszw`, ALIPAY_GATEWAY_URL: `${closed}/alipay/gateway.do`, FACE_GATEWAY_URL: `${closed}/face/gateway.do`,
    },
  });

  await t.test('one line per request; the error page’s 请求编号 is its request id; no query string', async (t) => {
    const res = await fetch(`${app.url}/no-such-page?code=SECRETCODE123&access_token=TOKEN456`, { headers: { accept: 'text/html' } });
    const page = await res.text();
    t.equal(res.status, 404);
    const shown = /请求编号: <code[^>]*>([^<]+)<\/code>/.exec(page)?.[1];
    t.ok(shown, 'the error page shows a 请求编号');
    t.equal(res.headers.get('x-request-id'), shown, 'the same id as the X-Request-Id header');
    const lines = log.parsed().filter((l) => l.msg === 'request' && l.reqId === shown);
    t.equal(lines.length, 1, 'exactly one access-log line for the request');
    t.match(lines[0], { level: 'info', method: 'GET', route: '/no-such-page', status: 404 });
    t.type(lines[0]?.ms, 'number', 'with its duration');
    const routed = await fetch(`${app.url}/interaction/some-unknown-uid?state=SECRETSTATE789`, { headers: { accept: 'text/html' } });
    await routed.text();
    const id = routed.headers.get('x-request-id');
    const line = log.parsed().find((l) => l.msg === 'request' && l.reqId === id);
    t.match(line?.route, /^\/interaction\/:uid\/?$/, 'a routed request is logged by the route it matched');
    t.equal(line?.status, routed.status);
    t.notOk(/SECRETCODE123|TOKEN456|SECRETSTATE789/.test(log.text()), 'no query string anywhere in the log');
  });

  await t.test('every failed upstream call: upstream, operation, error class, latency', async (t) => {
    const { services } = app.container;
    await t.rejects(services.sms.send('+8613800000000', 'login', { code: '123456', minutes: 5 }));
    t.equal(await services.registry.verify('01', '110101199003070011', '张三'), 'unavailable');
    await t.rejects(services.upstreams.essc!.createLoginQr());
    await t.rejects(services.upstreams.jszw!.exchange({ code: 'c', codeVerifier: 'v', redirectUri: `${app.url}/cb` }));
    await t.rejects(services.upstreams.alipay!.exchange('auth-code'));
    await t.rejects(services.face!.query('certify-1'));
    const failures = log.parsed().filter((l) => l.msg === 'upstream call failed');
    for (const [upstream, operation, errorClass] of [
      ['sms', 'send', 'network'], ['registry', 'verify', 'unavailable'], ['essc', 'createLoginQr', 'network'],
      ['jszw', 'exchange', 'network'], ['alipay', 'exchange', 'network'], ['face', 'query', 'network'],
    ] as const) {
      const line = failures.find((l) => l.upstream === upstream);
      t.match(line, { level: 'warn', upstream, operation, errorClass }, `${upstream} failure logged`);
      t.type(line?.latencyMs, 'number', `${upstream} with its latency`);
    }
    t.notOk(/123456|110101199003070011|张三|8613800000000/.test(log.text()), 'never the arguments (codes, numbers, names)');
    const health = services.upstreamHealth.summary();
    t.ok(health.every((h) => h.failures >= 1 && h.calls >= 1), 'each upstream’s recent failures are counted for the console');
  });
});
