// Background purge of expired oidc-provider rows in bounded batches, so the table stays lean
// without one long delete. Rows are kept a margin past expiry (the library's clock tolerance).

import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import type { Clock } from '../domain/clock.js';
import type { Logger } from '../log/logger.js';
import { purgeExpiredPayloads } from '../repositories/oidc-payloads.js';

const marginMs = 5 * 60 * 1000;
const maxBatchesPerRun = 20;

/** Deletes expired rows, at most `batchSize × 20` per run; returns how many went. */
export async function purgeExpiredOnce(db: Kysely<DB>, clock: Clock, batchSize: number): Promise<number> {
  const before = new Date(clock.now().getTime() - marginMs);
  let total = 0;
  for (let i = 0; i < maxBatchesPerRun; i += 1) {
    const n = await purgeExpiredPayloads(db, before, batchSize);
    total += n;
    if (n < batchSize) break;
  }
  return total;
}

export function schedulePurge(deps: { db: Kysely<DB>; clock: Clock; logger: Logger; intervalSeconds: number; batchSize: number }): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    purgeExpiredOnce(deps.db, deps.clock, deps.batchSize)
      .then((n) => {
        if (n > 0) deps.logger.info({ purged: n }, 'expired oidc rows purged');
      })
      .catch((err: unknown) => deps.logger.warn({ err: (err as Error).message }, 'purge of expired rows failed'))
      .finally(() => {
        running = false;
      });
  }, deps.intervalSeconds * 1000);
  timer.unref();
  return () => clearInterval(timer);
}
