// Bench process: the upstreams production mode insists on, as real HTTP servers on loopback —
// the mock population registry (signed contract, POST /verify) and an SMS sink standing in for the
// SMS gateway (POST /sms as src/adapters/sms/http.ts sends it; GET /sms/wait?phone= long-polls the
// newest message for a number, which is how the load generator "reads its phone").
// Prints `READY {"url": ...}` on stdout. Config (JSON) in argv[2]: { appKey, appSecret, apiKey }.

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createPopulationRegistryMock } from '../src/mocks/population-registry/app.js';
import { loadPopulationRegistry } from '../src/mocks/fixtures.js';

const options = JSON.parse(process.argv[2] ?? '{}') as { appKey: string; appSecret: string; apiKey: string };
const people = loadPopulationRegistry().map((p) => ({ certType: p.certType, idNumber: p.idNumber, name: p.name }));
const registry = createPopulationRegistryMock({ people, apps: [{ appKey: options.appKey, appSecret: options.appSecret }] }).callback();

const inbox = new Map<string, string>();
const waiting = new Map<string, Array<(text: string) => void>>();
let received = 0;

function deliver(phone: string, text: string): void {
  received += 1;
  const waiters = waiting.get(phone);
  if (waiters && waiters.length > 0) {
    waiting.delete(phone);
    for (const w of waiters) w(text);
    return;
  }
  inbox.set(phone, text);
  if (inbox.size > 50_000) inbox.delete(inbox.keys().next().value as string);
}

const server = http.createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://sink');
  if (url.pathname === '/sms' && req.method === 'POST') {
    if (req.headers.authorization !== `Bearer ${options.apiKey}`) {
      res.writeHead(401).end();
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { phone: string; text: string };
        deliver(body.phone, body.text);
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      } catch {
        res.writeHead(400).end();
      }
    });
    return;
  }
  if (url.pathname === '/sms/wait' && req.method === 'GET') {
    const phone = url.searchParams.get('phone') ?? '';
    const answer = (text: string) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ text }));
    const ready = inbox.get(phone);
    if (ready !== undefined) {
      inbox.delete(phone);
      answer(ready);
      return;
    }
    const timer = setTimeout(() => {
      const list = waiting.get(phone) ?? [];
      waiting.set(phone, list.filter((w) => w !== waiter));
      res.writeHead(404).end();
    }, 15_000);
    const waiter = (text: string) => {
      clearTimeout(timer);
      answer(text);
    };
    waiting.set(phone, [...(waiting.get(phone) ?? []), waiter]);
    return;
  }
  if (url.pathname === '/sms/stats') {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ received }));
    return;
  }
  registry(req, res);
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`READY ${JSON.stringify({ url: `http://127.0.0.1:${port}` })}\n`);
});
process.on('SIGTERM', () => process.exit(0));
process.on('disconnect', () => process.exit(0));
