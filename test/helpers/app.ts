// Starts the real app (same buildApp as production) on 127.0.0.1 with an ephemeral port, over the
// test file's database, and tears everything down at the end of the test.

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Test } from 'tap';
import { buildApp } from '../../src/app.js';
import { loadConfig, type DeepPartial } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import { createContainer, type Container } from '../../src/container.js';
import type { Database } from '../../src/db/connect.js';
import type { Clock } from '../../src/domain/clock.js';
import { createLogger, type Logger } from '../../src/log/logger.js';

export const testEncryptionKey = 'k1:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY';

export interface TestApp {
  url: string;
  container: Container;
  server: http.Server;
  stop(): Promise<void>;
}

export async function startApp(options: {
  database: Database;
  overrides?: DeepPartial<Config>;
  env?: Record<string, string>;
  clock?: Clock;
  /** Instead of the silent (or TEST_LOG_LEVEL) logger, e.g. one that captures its lines. */
  logger?: Logger;
}): Promise<TestApp> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  const config = loadConfig({
    env: { NODE_ENV: 'test', ENCRYPTION_KEY: testEncryptionKey, ...options.env },
    overrides: { issuer: url, port, dataDir: 'memory://', ...options.overrides },
  });
  const container = await createContainer({
    config,
    database: options.database,
    logger: options.logger ?? createLogger(process.env.TEST_LOG_LEVEL ?? 'silent'),
    jobs: false,
    ...(options.clock ? { clock: options.clock } : {}),
  });
  const { app } = buildApp(container);
  server.on('request', app.callback());
  return {
    url,
    container,
    server,
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await container.close();
    },
  };
}

/** startApp, stopped automatically when the tap test `t` ends. */
export async function startTestApp(t: Test, options: Parameters<typeof startApp>[0]): Promise<TestApp> {
  const app = await startApp(options);
  t.teardown(() => app.stop());
  return app;
}
