// A relying party's back-channel logout endpoint on loopback for e2e tests: collects the logout
// tokens it receives (or answers `status` to play a failing relying party).

import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Test } from 'tap';

export const backchannelEvent = 'http://schemas.openid.net/event/backchannel-logout';

export async function backchannelReceiver(t: Test, options: { status?: number } = {}) {
  const received: string[] = [];
  const waiting: Array<() => void> = [];
  const readBody = (req: IncomingMessage) =>
    new Promise<string>((resolve) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => (body += chunk));
      req.on('end', () => resolve(body));
    });
  const server = createServer(async (req, res) => {
    const body = new URLSearchParams(await readBody(req));
    const token = body.get('logout_token');
    if (req.method === 'POST' && token) received.push(token);
    res.writeHead(options.status ?? (token ? 200 : 400)).end();
    for (const wake of waiting.splice(0)) wake();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/backchannel-logout`,
    received,
    /** Resolves once `count` tokens arrived, or after `ms` (bounded). */
    async waitFor(count: number, ms = 5000) {
      const deadline = Date.now() + ms;
      while (received.length < count && Date.now() < deadline) {
        await new Promise<void>((resolve) => {
          waiting.push(resolve);
          setTimeout(resolve, 100);
        });
      }
      return received.slice(0, count);
    },
  };
}
