// The discovery/JWKS cache: one render per origin and provider generation, CORS answered as the
// provider does, errors never stored, a bounded number of origins.

import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import t from 'tap';
import { publicDocumentCache } from '../../../src/oidc/public-documents.js';

function get(port: number, path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string; headers: Record<string, string | string[] | undefined> }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers, timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

t.test('discovery and JWKS are rendered once per origin and generation', async (t) => {
  let generation = {};
  let renders = 0;
  let failNext = false;
  const app = new Koa();
  app.use(publicDocumentCache(() => generation));
  app.use((ctx) => {
    renders += 1;
    if (failNext) {
      failNext = false;
      ctx.status = 500;
      ctx.body = { error: 'server_error' };
      return;
    }
    ctx.vary('Origin');
    ctx.set('Access-Control-Allow-Origin', ctx.get('Origin') || '*');
    ctx.body = { issuer: 'https://idp.test', host: ctx.host, render: renders };
    if (ctx.path === '/jwks') ctx.type = 'application/jwk-set+json; charset=utf-8';
  });
  const server = app.listen(0, '127.0.0.1');
  t.teardown(() => new Promise<void>((r) => server.close(() => r())));
  await new Promise((r) => server.once('listening', r));
  const { port } = server.address() as AddressInfo;
  const discovery = '/.well-known/openid-configuration';

  failNext = true;
  t.equal((await get(port, discovery)).status, 500, 'an error passes through');
  const first = await get(port, discovery, { host: 'idp.test' });
  const second = await get(port, discovery, { host: 'idp.test', origin: 'https://rp.test' });
  t.equal(first.status, 200);
  t.equal(second.body, first.body, 'the second answer is the stored first one (the error was not stored)');
  t.equal(renders, 2, 'rendered twice: the error and the first success');
  t.equal(second.headers['access-control-allow-origin'], 'https://rp.test', 'CORS echoes the caller origin as the provider does');
  t.equal(first.headers['access-control-allow-origin'], '*');
  t.match(String(second.headers.vary), /Origin/);
  t.match(String(second.headers['content-type']), /^application\/json/);

  const other = await get(port, discovery, { host: 'other.test' });
  t.match(JSON.parse(other.body), { host: 'other.test' }, 'another origin gets its own document');
  const jwks = await get(port, '/jwks', { host: 'idp.test' });
  t.match(String(jwks.headers['content-type']), /^application\/jwk-set\+json/, 'JWKS keeps its media type');
  t.equal((await get(port, '/jwks', { host: 'idp.test' })).body, jwks.body);
  const before = renders;
  await get(port, '/token', { host: 'idp.test' });
  await get(port, '/token', { host: 'idp.test' });
  t.equal(renders, before + 2, 'other paths are never cached');

  generation = {}; // the provider was rebuilt (a key rotation)
  const rebuilt = await get(port, discovery, { host: 'idp.test' });
  t.not(rebuilt.body, first.body, 'a new generation renders again');

  const rendersBefore = renders;
  for (let i = 0; i < 40; i += 1) await get(port, discovery, { host: `h${i}.test` });
  for (let i = 0; i < 40; i += 1) await get(port, discovery, { host: `h${i}.test` });
  t.ok(renders - rendersBefore > 40, 'beyond the bound, origins are not stored (memory stays bounded)');
});
