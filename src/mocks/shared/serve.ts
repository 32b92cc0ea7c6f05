// Starts a Koa app (a mock upstream) as its own HTTP server on loopback; used by tests and by
// `npm run mocks` to run the mocks as separate servers.

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type Koa from 'koa';

export interface RunningServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function serveOnLoopback(app: Koa, port = 0): Promise<RunningServer> {
  const server = http.createServer(app.callback());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${address.port}`,
    port: address.port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
