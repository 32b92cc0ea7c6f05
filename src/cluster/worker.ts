// The worker's side of the cluster's /metrics: hand this process's registry to the primary when it
// collects, and ask the primary for the whole node's text when a scrape arrives here.

import type { Registry } from 'prom-client';
import { isClusterMessage, type ClusterMessage } from './messages.js';

const scrapeTimeoutMs = 8_000;

export interface WorkerMetrics {
  /** The `scrapeMetrics` for createContainer: the whole node's text, from the primary. */
  scrape(): Promise<string>;
  /** The registry this worker hands to the primary when it collects. */
  serve(registry: Registry): void;
}

/** Wires a cluster worker (process.send exists) into the node's /metrics. */
export function workerMetrics(): WorkerMetrics {
  let nextId = 0;
  let registry: Registry | undefined;
  const pending = new Map<number, { resolve(text: string): void; reject(err: Error): void }>();
  const send = (message: ClusterMessage) => process.send?.(message);
  process.on('message', (message: unknown) => {
    if (!isClusterMessage(message)) return;
    if (message.type === 'jsrs:metrics-collect') {
      const local = registry;
      if (!local) return send({ type: 'jsrs:metrics-collected', id: message.id, metrics: [] });
      void local.getMetricsAsJSON().then((metrics) => send({ type: 'jsrs:metrics-collected', id: message.id, metrics }));
    }
    if (message.type === 'jsrs:metrics-response') {
      const waiting = pending.get(message.id);
      pending.delete(message.id);
      if (message.text !== undefined) waiting?.resolve(message.text);
      else waiting?.reject(new Error(message.error ?? 'no metrics'));
    }
  });
  const scrape = () => {
    const id = (nextId += 1);
    return new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error('the cluster primary did not answer'));
      }, scrapeTimeoutMs);
      pending.set(id, {
        resolve: (text) => (clearTimeout(timer), resolve(text)),
        reject: (err) => (clearTimeout(timer), reject(err)),
      });
      send({ type: 'jsrs:metrics-request', id });
    });
  };
  return {
    scrape,
    serve: (local) => {
      registry = local;
    },
  };
}
