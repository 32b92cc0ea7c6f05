// Entry point: config → container (migrates) → listen. SIGTERM/SIGINT: stop taking new requests,
// let in-flight ones finish (bounded), then close the database and exit. With WORKERS > 1 this
// process is the cluster primary (src/cluster/primary.ts) and each forked worker runs the above.

import cluster from 'node:cluster';
import http from 'node:http';
import { ConfigError, loadConfig } from './config/load.js';
import type { Config } from './config/schema.js';
import { createLogger, type Logger } from './log/logger.js';

const shutdownGraceMs = 10_000;

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      for (const problem of err.problems) process.stderr.write(`configuration error: ${problem}\n`);
      process.exit(1);
    }
    throw err;
  }
  const logger = createLogger(config.logLevel);
  if (config.workers > 1 && cluster.isPrimary) {
    const { runPrimary } = await import('./cluster/primary.js');
    return runPrimary(config, logger, shutdownGraceMs);
  }
  return serve(config, cluster.isWorker ? logger.child({ worker: cluster.worker?.id, pid: process.pid }) : logger);
}

/** One process serving the port: the whole node (WORKERS=1) or one cluster worker. */
async function serve(config: Readonly<Config>, logger: Logger): Promise<void> {
  const { buildApp } = await import('./app.js');
  const { createContainer } = await import('./container.js');
  const clustered = cluster.isWorker ? (await import('./cluster/worker.js')).workerMetrics() : undefined;
  const container = await createContainer({ config, logger, ...(clustered ? { scrapeMetrics: clustered.scrape } : {}) });
  clustered?.serve(container.metrics.registry);
  const { app, markStopping } = buildApp(container);
  const server = http.createServer(app.callback());
  server.keepAliveTimeout = 5000;
  server.requestTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(config.port, resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  logger.info({ port, issuer: config.issuer, env: config.env, engine: container.database.engine }, 'jsrs-idp listening');

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    markStopping();
    logger.info({ signal }, 'stopping: finishing in-flight requests');
    const force = setTimeout(() => {
      logger.warn('in-flight requests did not finish in time; closing connections');
      server.closeAllConnections();
    }, shutdownGraceMs);
    force.unref();
    server.close(() => {
      clearTimeout(force);
      container
        .close()
        .catch((err: unknown) => logger.error({ err }, 'error while closing'))
        .finally(() => {
          logger.info('stopped');
          process.exit(0);
        });
    });
    server.closeIdleConnections();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((err: unknown) => {
  const logger = createLogger('error');
  logger.fatal({ err }, 'jsrs-idp failed to start');
  process.exit(1);
});
