// Records security-relevant events (sign-ins, failures, locks, SMS sends, level and credential
// changes, client changes, key rotations) in the append-only audit table. Never secrets or full
// document or phone numbers: callers pass ids and masked values only.

import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import type { Clock } from '../domain/clock.js';
import type { Logger } from '../log/logger.js';
import { appendAuditEvent, type AuditRecord } from '../repositories/audit-events.js';

export type { AuditRecord };

export interface Audit {
  /** Writes the record; a failure to write is logged, never thrown at the caller's user. */
  record(record: AuditRecord): Promise<void>;
}

export function createAudit(deps: { db: Kysely<DB>; clock: Clock; logger: Logger }): Audit {
  return {
    async record(record) {
      try {
        await appendAuditEvent(deps.db, deps.clock.now(), record);
      } catch (err) {
        deps.logger.error({ err: (err as Error).message, event: record.event }, 'audit write failed');
      }
    },
  };
}
