// Records security-relevant events (sign-ins, failures, locks, SMS sends, level and credential
// changes, client changes, key rotations) in the append-only audit table. Never secrets or full
// document or phone numbers: callers pass ids and masked values only.

import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import type { Clock } from '../domain/clock.js';
import type { Logger } from '../log/logger.js';
import { appendAuditEvents, type AuditRecord } from '../repositories/audit-events.js';

export type { AuditRecord };

export interface Audit {
  /**
   * Writes the record and resolves once it is stored; a failure to write is logged, never thrown
   * at the caller's user. Records arriving while a write is in flight go together in the next one
   * (group commit): one statement for many sign-ins at peak, no waiting when the system is quiet.
   */
  record(record: AuditRecord): Promise<void>;
}

/** At most this many records per statement. */
const maxBatch = 200;

interface Pending {
  at: Date;
  record: AuditRecord;
  stored: () => void;
}

export function createAudit(deps: { db: Kysely<DB>; clock: Clock; logger: Logger }): Audit {
  let queue: Pending[] = [];
  let writing = false;

  const writeAll = async () => {
    writing = true;
    try {
      while (queue.length > 0) {
        const batch = queue.slice(0, maxBatch);
        queue = queue.slice(batch.length);
        try {
          await appendAuditEvents(deps.db, batch);
        } catch (err) {
          for (const { record } of batch) deps.logger.error({ err: (err as Error).message, event: record.event }, 'audit write failed');
        }
        for (const pending of batch) pending.stored();
      }
    } finally {
      writing = false;
    }
  };

  return {
    record(record) {
      return new Promise<void>((stored) => {
        queue.push({ at: deps.clock.now(), record, stored });
        if (!writing) void writeAll();
      });
    },
  };
}
