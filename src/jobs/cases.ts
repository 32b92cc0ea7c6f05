// The 办件 job on every node: due rating webhooks (claimed row by row, so nodes never double-send),
// the one SMS invitation of completed cases still unrated after three days, and the retention of
// the webhook outbox (delivered rows past cases.outboxRetentionDays, in bounded batches).

import type { Logger } from '../log/logger.js';
import type { CaseService } from '../services/cases.js';
import { inBatches } from './purge-expired.js';

/** Rows one delete of the outbox purge removes at most; a run does at most 20 such batches. */
export const outboxPurgeBatchSize = 500;

/** Purges delivered outbox rows past their retention, at most `batchSize × 20` per run; returns how many went. */
export function purgeDeliveredOutboxOnce(cases: Pick<CaseService, 'purgeDelivered'>, batchSize = outboxPurgeBatchSize): Promise<number> {
  return inBatches((limit) => cases.purgeDelivered(limit), batchSize);
}

export function scheduleCaseJobs(deps: { cases: CaseService; logger: Logger; intervalSeconds: number }): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    // Three independent parts: the purge touches only delivered rows, the delivery only undelivered ones.
    Promise.all([deps.cases.deliverDue(), deps.cases.sendInvitations(), purgeDeliveredOutboxOnce(deps.cases)])
      .then(([delivered, invited, purged]) => {
        if (delivered + invited + purged > 0) deps.logger.info({ delivered, invited, purged }, 'case ratings delivered, invitations sent, delivered outbox rows purged');
      })
      .catch((err: unknown) => deps.logger.warn({ err: (err as Error).message }, 'case job failed'))
      .finally(() => {
        running = false;
      });
  }, deps.intervalSeconds * 1000);
  timer.unref();
  return () => clearInterval(timer);
}
