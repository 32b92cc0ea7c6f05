// src/cluster/: the node:cluster primary and worker glue for WORKERS > 1; imports config/ and log/ only.
// The node:cluster primary (WORKERS > 1): forks the workers that share the port (the first one
// alone, so migrations and key creation run once), replaces a worker that dies, answers /metrics for
// the whole node, and on SIGTERM drains every worker and exits 0. It holds no state: the DB does.

import cluster, { type Worker } from 'node:cluster';
import { AggregatorRegistry, Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { Config } from '../config/schema.js';
import type { Logger } from '../log/logger.js';
import { isClusterMessage, type ClusterMessage } from './messages.js';

type MetricsJson = Awaited<ReturnType<Registry['getMetricsAsJSON']>>;

/** Extra time for a drained worker to close its database before the primary stops waiting. */
const workerCloseMs = 5_000;
/** How long the primary waits for one worker's registry when aggregating /metrics. */
const collectTimeoutMs = 3_000;

/** `workerDrainMs`: how long a worker gets to drain (the single process's bound) before the primary kills it. */
export async function runPrimary(config: Readonly<Config>, logger: Logger, workerDrainMs: number): Promise<void> {
  const registry = new Registry();
  if (config.env !== 'test') collectDefaultMetrics({ register: registry, prefix: 'jsrs_primary_' });
  const alive = new Gauge({ name: 'jsrs_cluster_workers', help: 'Worker processes of this node that are listening', registers: [registry] });
  const wanted = new Gauge({ name: 'jsrs_cluster_workers_wanted', help: 'Worker processes this node runs (WORKERS)', registers: [registry] });
  const restarts = new Counter({ name: 'jsrs_cluster_worker_restarts_total', help: 'Workers replaced after they died', registers: [registry] });
  wanted.set(config.workers);

  const listening = new Set<Worker>();
  const startedAt = new Map<Worker, number>();
  let stopping = false;
  let up = false; // every worker listened once: from now on a dead worker is replaced, not fatal
  let crashDelayMs = 0;

  const fork = () => {
    const worker = cluster.fork();
    startedAt.set(worker, Date.now());
    worker.on('listening', () => {
      listening.add(worker);
      alive.set(listening.size);
      logger.info({ worker: worker.id, pid: worker.process.pid }, 'worker listening');
      if (!up && listening.size === config.workers) {
        up = true;
        logger.info({ port: config.port, workers: config.workers }, 'jsrs-idp node ready');
      }
      if (!up && listening.size === 1) for (let i = 1; i < config.workers; i += 1) fork();
    });
    return worker;
  };

  // ---- /metrics for the whole node: every worker's registry and the primary's, summed (gauges averaged as prom-client defines)
  let collectId = 0;
  const pendingCollects = new Map<number, (metrics: MetricsJson | undefined) => void>();
  const collectFrom = (worker: Worker) =>
    new Promise<MetricsJson | undefined>((resolve) => {
      const id = (collectId += 1);
      const timer = setTimeout(() => {
        pendingCollects.delete(id);
        resolve(undefined);
      }, collectTimeoutMs);
      pendingCollects.set(id, (metrics) => {
        clearTimeout(timer);
        pendingCollects.delete(id);
        resolve(metrics);
      });
      worker.send({ type: 'jsrs:metrics-collect', id } satisfies ClusterMessage);
    });
  const nodeMetrics = async (): Promise<string> => {
    const workers = [...listening].filter((w) => w.isConnected());
    const collected = await Promise.all(workers.map(collectFrom));
    const missing = collected.filter((m) => m === undefined).length;
    if (missing > 0) logger.warn({ missing }, 'metrics: some workers did not answer in time');
    const own = await registry.getMetricsAsJSON();
    return AggregatorRegistry.aggregate([own, ...collected.filter((m): m is MetricsJson => m !== undefined)]).metrics();
  };

  cluster.on('message', (worker, message: unknown) => {
    if (!isClusterMessage(message)) return;
    if (message.type === 'jsrs:metrics-collected') pendingCollects.get(message.id)?.(message.metrics as MetricsJson);
    if (message.type === 'jsrs:metrics-request') {
      nodeMetrics().then(
        (text) => worker.isConnected() && worker.send({ type: 'jsrs:metrics-response', id: message.id, text } satisfies ClusterMessage),
        (err: unknown) => worker.isConnected() && worker.send({ type: 'jsrs:metrics-response', id: message.id, error: (err as Error).message } satisfies ClusterMessage),
      );
    }
  });

  // ---- stopping: every worker drains (its /readyz says 503, in-flight requests finish), then the primary exits
  let exitCode = 0;
  const finish = () => {
    logger.info({ exitCode }, 'stopped');
    process.exit(exitCode);
  };
  const stop = (signal: string, code = 0) => {
    if (stopping) return;
    stopping = true;
    exitCode = code;
    logger.info({ signal }, 'stopping: every worker finishes its in-flight requests');
    const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined && !w.isDead());
    if (workers.length === 0) finish();
    for (const worker of workers) worker.process.kill('SIGTERM');
    const force = setTimeout(() => {
      logger.warn('workers did not stop in time: killing them');
      exitCode = 1;
      for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGKILL');
    }, workerDrainMs + workerCloseMs);
    force.unref();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));

  cluster.on('exit', (worker, code, signal) => {
    const wasListening = listening.delete(worker);
    alive.set(listening.size);
    const livedMs = Date.now() - (startedAt.get(worker) ?? Date.now());
    startedAt.delete(worker);
    if (stopping) {
      if (code !== 0) exitCode = 1;
      if (Object.values(cluster.workers ?? {}).every((w) => w === undefined || w.isDead())) finish();
      return;
    }
    if (!up && !wasListening) {
      // A worker that cannot start (configuration, database) will not start the next time either.
      logger.fatal({ worker: worker.id, code, signal }, 'a worker failed to start: stopping the node');
      stop('worker failed to start', 1);
      return;
    }
    restarts.inc();
    // A worker that dies right after starting is retried with growing pauses, not in a tight loop.
    crashDelayMs = livedMs < 10_000 ? Math.min(30_000, Math.max(500, crashDelayMs * 2)) : 0;
    logger.error({ worker: worker.id, pid: worker.process.pid, code, signal, restartInMs: crashDelayMs }, 'worker died: starting a replacement');
    setTimeout(() => {
      if (!stopping) fork();
    }, crashDelayMs);
  });

  logger.info({ workers: config.workers, port: config.port }, 'jsrs-idp primary starting its workers');
  fork();
}
