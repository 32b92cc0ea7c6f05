// `npx tsx bench/outbound-call-cost.ts`: the client-side CPU of one upstream call (an SMS gateway
// POST, 8 in flight) with Node's fetch (undici) and with src/adapters/upstream-fetch.ts, against a
// sink in a child process so only the caller's CPU is counted. Prints µs of CPU per call.

import { fork } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { upstreamFetch } from '../src/adapters/upstream-fetch.js';

if (process.argv.includes('--sink')) {
  const sink = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'));
  });
  sink.listen(0, '127.0.0.1', () => process.send?.((sink.address() as AddressInfo).port));
  process.on('disconnect', () => process.exit(0));
} else {
  const calls = Number(process.argv.find((a) => a.startsWith('--calls='))?.split('=')[1] ?? 5_000);
  const child = fork(new URL(import.meta.url).pathname, ['--sink'], { execArgv: ['--import', 'tsx'] });
  const port = await new Promise<number>((resolve) => child.once('message', (m) => resolve(Number(m))));
  const url = `http://127.0.0.1:${port}/sms`;
  const body = JSON.stringify({ phone: '+8613900001111', template: 'login', params: { code: '042917', minutes: 5 }, text: '您的验证码为042917，5分钟内有效。' });
  const headers = { 'content-type': 'application/json; charset=utf-8', accept: 'application/json', authorization: 'Bearer bench-key' };
  const callWith = (doFetch: typeof fetch) => async () => {
    const response = await doFetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(5_000) });
    await response.arrayBuffer();
  };

  const perCallMicros = async (call: () => Promise<void>): Promise<number> => {
    for (let i = 0; i < 500; i += 1) await call(); // warm-up
    let next = 0;
    const started = process.cpuUsage();
    await Promise.all(Array.from({ length: 8 }, async () => {
      while (next < calls) {
        next += 1;
        await call();
      }
    }));
    const used = process.cpuUsage(started);
    return (used.user + used.system) / calls;
  };

  for (let round = 1; round <= 3; round += 1) {
    const undici = await perCallMicros(callWith(fetch));
    const ours = await perCallMicros(callWith(upstreamFetch));
    process.stdout.write(`round ${round}: fetch (undici) ${undici.toFixed(0)} µs/call, upstreamFetch ${ours.toFixed(0)} µs/call (${(ours / undici).toFixed(2)}×)\n`);
  }
  child.disconnect();
}
