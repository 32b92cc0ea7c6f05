// Contract of the SMS port's HTTP adapter against a tiny loopback server: body shape and bearer
// key on 2xx, UpstreamError on 5xx, on a hung server within the timeout, and on a closed port.

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import t from 'tap';
import { createHttpSmsGateway } from '../../src/adapters/sms/http.js';
import { UpstreamError } from '../../src/errors/app-error.js';
import { serveListenerForTest } from '../helpers/upstream-contract.js';

interface Received {
  method: string | undefined;
  path: string | undefined;
  authorization: string | undefined;
  contentType: string | undefined;
  body: unknown;
}

const received: Received[] = [];
let mode: 'ok' | 'fail' | 'hang' = 'ok';

const listener: http.RequestListener = (req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    received.push({
      method: req.method,
      path: req.url,
      authorization: req.headers.authorization,
      contentType: req.headers['content-type'],
      body: JSON.parse(Buffer.concat(chunks).toString('utf8')),
    });
    if (mode === 'hang') return; // never answers; closed at teardown
    res.writeHead(mode === 'ok' ? 202 : 500, { 'content-type': 'application/json' });
    res.end(mode === 'ok' ? '{"id":"m-1"}' : '{"error":"boom"}');
  });
};
const base = await serveListenerForTest(t, listener);

// A generous timeout where the server answers (a loaded machine may take long to answer), a short
// one only where the timeout itself is what is tested.
const gateway = createHttpSmsGateway({ url: `${base}/v1/sms`, apiKey: 'test-key-123', timeoutMs: 5000 });
const impatient = createHttpSmsGateway({ url: `${base}/v1/sms`, apiKey: 'test-key-123', timeoutMs: 200 });

t.test('2xx: POSTs the JSON body with the bearer key', async (t) => {
  mode = 'ok';
  received.length = 0;
  await gateway.send('+8613900001111', 'login', { code: '042917', minutes: 5 });
  t.equal(received.length, 1);
  t.same(received[0], {
    method: 'POST',
    path: '/v1/sms',
    authorization: 'Bearer test-key-123',
    contentType: 'application/json; charset=utf-8',
    body: {
      phone: '+8613900001111',
      template: 'login',
      params: { code: '042917', minutes: 5 },
      text: '【江苏人社】您的登录验证码为042917，5分钟内有效，请勿泄露。',
    },
  });
});

t.test('2xx: a notice is POSTed as its template with no parameters and no code', async (t) => {
  mode = 'ok';
  received.length = 0;
  await gateway.notify('+8613900001111', 'family_attempt');
  t.equal(received.length, 1);
  const body = received[0]?.body as { phone: string; template: string; params: unknown; text: string };
  t.same({ phone: body.phone, template: body.template, params: body.params }, { phone: '+8613900001111', template: 'family_attempt', params: {} });
  t.match(body.text, /亲情号解绑/);
  mode = 'fail';
  t.type(await gateway.notify('+8613900001111', 'phone_registered').catch((e: unknown) => e), UpstreamError, 'failures map the same way');
});

t.test('500 → UpstreamError(sms)', async (t) => {
  mode = 'fail';
  const err = await gateway.send('+8613900001111', 'register', { code: '123456', minutes: 5 }).catch((e: unknown) => e);
  t.type(err, UpstreamError);
  t.match(err, { upstream: 'sms', code: 'errors.sms_unavailable', status: 503 });
  t.notOk(String((err as Error).cause).includes('123456'), 'the cause does not echo the code');
});

t.test('a hung server times out within the bound', async (t) => {
  mode = 'hang';
  const started = performance.now();
  const err = await impatient.send('+8613900001111', 'recover', { code: '123456', minutes: 5 }).catch((e: unknown) => e);
  const elapsed = performance.now() - started;
  t.type(err, UpstreamError);
  t.match(err, { code: 'errors.sms_unavailable', cause: 'timeout' });
  t.ok(elapsed >= 150 && elapsed < 3000, `took ${Math.round(elapsed)} ms`);
});

t.test('a closed port → UpstreamError', async (t) => {
  const closed = http.createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const port = (closed.address() as AddressInfo).port;
  await new Promise<void>((resolve) => closed.close(() => resolve()));
  const nowhere = createHttpSmsGateway({ url: `http://127.0.0.1:${port}/`, apiKey: 'k', timeoutMs: 1000 });
  await t.rejects(nowhere.send('+8613900001111', 'appeal', { code: '123456', minutes: 5 }), UpstreamError);
});

t.test('an injected fetch is used', async (t) => {
  const calls: string[] = [];
  const fake: typeof fetch = async (input) => {
    calls.push(String(input));
    return new Response(null, { status: 204 });
  };
  await createHttpSmsGateway({ url: 'https://sms.example/send', apiKey: 'k', timeoutMs: 100, fetch: fake }).send('+8613900001111', 'bind_phone', {
    code: '000001',
    minutes: 5,
  });
  t.same(calls, ['https://sms.example/send']);
});
