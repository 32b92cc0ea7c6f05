// Contract of the upstream adapters' fetch against a loopback server: what reaches the server, the
// answer as a Response, keep-alive reuse, and the failures (deadline, oversized answer, cut-off
// body, refused redirect, closed port, unsupported input) as rejections, never hangs.

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import t from 'tap';
import { UPSTREAM_MAX_ANSWER_BYTES, upstreamFetch } from '../../src/adapters/upstream-fetch.js';
import { serveListenerForTest } from '../helpers/upstream-contract.js';

interface Seen {
  method: string | undefined;
  path: string | undefined;
  headers: http.IncomingHttpHeaders;
  body: string;
  remotePort: number | undefined;
}

const seen: Seen[] = [];
const listener: http.RequestListener = (req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    seen.push({ method: req.method, path: req.url, headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), remotePort: req.socket.remotePort });
    switch (req.url) {
      case '/hang':
        return; // never answers; closed at teardown
      case '/huge':
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        res.end(Buffer.alloc(UPSTREAM_MAX_ANSWER_BYTES + 1, 0x61));
        return;
      case '/cut':
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
        res.write('{"partial":');
        setTimeout(() => res.socket?.destroy(), 20);
        return;
      case '/moved':
        res.writeHead(302, { location: '/elsewhere' }).end();
        return;
      case '/empty':
        res.writeHead(204).end();
        return;
      default:
        res.writeHead(201, { 'content-type': 'application/json; charset=utf-8', 'x-upstream': 'mock' });
        res.end(JSON.stringify({ ok: true, 名字: '张三' }));
    }
  });
};
const base = await serveListenerForTest(t, listener);

t.test('a JSON POST arrives whole; the answer is a Response with status, headers and body', async (t) => {
  seen.length = 0;
  const body = JSON.stringify({ phone: '+8613900001111', text: '验证码' });
  const response = await upstreamFetch(`${base}/v1/send?x=1`, {
    method: 'POST',
    headers: { 'content-type': 'application/json; charset=utf-8', authorization: 'Bearer k' },
    body,
    signal: AbortSignal.timeout(5000),
  });
  t.equal(response.status, 201);
  t.equal(response.headers.get('x-upstream'), 'mock');
  t.same(await response.json(), { ok: true, 名字: '张三' });
  t.equal(seen.length, 1);
  t.equal(seen[0]?.method, 'POST');
  t.equal(seen[0]?.path, '/v1/send?x=1');
  t.equal(seen[0]?.headers.authorization, 'Bearer k');
  t.equal(seen[0]?.headers['content-length'], String(Buffer.byteLength(body)));
  t.equal(seen[0]?.body, body);
});

t.test('consecutive calls reuse one keep-alive connection', async (t) => {
  seen.length = 0;
  for (let i = 0; i < 3; i += 1) await (await upstreamFetch(new URL(`${base}/again`), { method: 'POST', body: String(i) })).text();
  t.equal(seen.length, 3);
  t.equal(new Set(seen.map((s) => s.remotePort)).size, 1, 'one client socket for all three');
  t.equal(seen[0]?.headers.connection, 'keep-alive');
});

t.test('a URLSearchParams body is sent form-encoded', async (t) => {
  seen.length = 0;
  await (await upstreamFetch(`${base}/form`, { method: 'POST', body: new URLSearchParams({ code: 'a b', grant_type: 'authorization_code' }) })).text();
  t.equal(seen[0]?.headers['content-type'], 'application/x-www-form-urlencoded;charset=UTF-8');
  t.equal(seen[0]?.body, 'code=a+b&grant_type=authorization_code');
});

t.test('a GET without a body', async (t) => {
  seen.length = 0;
  const response = await upstreamFetch(`${base}/userinfo`, { headers: { authorization: 'Bearer t' } });
  t.equal(response.status, 201);
  t.equal(seen[0]?.method, 'GET');
  t.equal(seen[0]?.body, '');
});

t.test('a 204 answer has no body', async (t) => {
  const response = await upstreamFetch(`${base}/empty`, { method: 'POST', body: '{}' });
  t.equal(response.status, 204);
  t.equal(response.body, null);
});

t.test('the deadline rejects a hung server with the signal’s TimeoutError', async (t) => {
  const started = Date.now();
  const err = await upstreamFetch(`${base}/hang`, { method: 'POST', body: '{}', signal: AbortSignal.timeout(150) }).then(
    () => undefined,
    (e: unknown) => e,
  );
  t.ok(err instanceof Error, 'rejected');
  t.equal((err as Error).name, 'TimeoutError');
  t.ok(Date.now() - started < 3000, 'within the deadline, not a hang');
});

t.test('an already aborted signal rejects without a request', async (t) => {
  seen.length = 0;
  const controller = new AbortController();
  controller.abort(new Error('stop'));
  await t.rejects(upstreamFetch(`${base}/never`, { signal: controller.signal }), { message: 'stop' });
  t.equal(seen.length, 0);
});

t.test('an answer over the size cap is refused', async (t) => {
  await t.rejects(upstreamFetch(`${base}/huge`, { signal: AbortSignal.timeout(5000) }), RangeError);
});

t.test('a body cut off by the server is a failure, not a short answer', async (t) => {
  await t.rejects(upstreamFetch(`${base}/cut`, { signal: AbortSignal.timeout(5000) }), /closed before the answer was complete|aborted|socket hang up/);
});

t.test('redirects are never followed: returned as they are, or refused with redirect: error', async (t) => {
  seen.length = 0;
  const response = await upstreamFetch(`${base}/moved`, { method: 'POST', body: '{}' });
  t.equal(response.status, 302);
  t.equal(response.headers.get('location'), '/elsewhere');
  t.equal(seen.length, 1, 'the location was not requested');
  await t.rejects(upstreamFetch(`${base}/moved`, { method: 'POST', body: '{}', redirect: 'error' }), TypeError);
});

t.test('a closed port rejects', async (t) => {
  const closed = http.createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const port = (closed.address() as AddressInfo).port;
  await new Promise<void>((resolve) => closed.close(() => resolve()));
  await t.rejects(upstreamFetch(`http://127.0.0.1:${port}/x`, { signal: AbortSignal.timeout(5000) }), { code: 'ECONNREFUSED' });
});

t.test('input it does not implement is refused, not silently ignored', async (t) => {
  await t.rejects(upstreamFetch(new Request(`${base}/x`)), TypeError);
  await t.rejects(upstreamFetch(`${base}/x`, { headers: new Headers({ a: 'b' }) }), TypeError);
  await t.rejects(upstreamFetch(`${base}/x`, { method: 'POST', body: new Blob(['x']) }), TypeError);
  await t.rejects(upstreamFetch('ftp://127.0.0.1/x'), TypeError);
});
