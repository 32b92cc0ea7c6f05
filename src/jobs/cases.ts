// The 办件 job on every node: due rating webhooks (claimed row by row, so nodes never double-send)
// and the one SMS invitation of completed cases still unrated after three days.

import type { Logger } from '../log/logger.js';
import type { CaseService } from '../services/cases.js';

export function scheduleCaseJobs(deps: { cases: CaseService; logger: Logger; intervalSeconds: number }): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    Promise.all([deps.cases.deliverDue(), deps.cases.sendInvitations()])
      .then(([delivered, invited]) => {
        if (delivered + invited > 0) deps.logger.info({ delivered, invited }, 'case ratings delivered, invitations sent');
      })
      .catch((err: unknown) => deps.logger.warn({ err: (err as Error).message }, 'case job failed'))
      .finally(() => {
        running = false;
      });
  }, deps.intervalSeconds * 1000);
  timer.unref();
  return () => clearInterval(timer);
}
