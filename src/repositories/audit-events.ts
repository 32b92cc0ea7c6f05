// SQL for the audit trail: append (the only write the application makes) and reads for the
// user centre and the export command.

import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import type { AuditEvent } from '../domain/audit-events.js';

export interface AuditRecord {
  event: AuditEvent;
  outcome: 'success' | 'failure' | 'info';
  actor?: string | null | undefined;
  subject?: string | null | undefined;
  clientId?: string | null | undefined;
  ip?: string | null | undefined;
  requestId?: string | null | undefined;
  details?: Record<string, unknown> | undefined;
}

/** Appends records in one statement, in the given order. */
export async function appendAuditEvents(db: Kysely<DB>, entries: ReadonlyArray<{ at: Date; record: AuditRecord }>): Promise<void> {
  if (entries.length === 0) return;
  await db
    .insertInto('audit_events')
    .values(
      entries.map(({ at, record }) => ({
        at,
        event: record.event,
        outcome: record.outcome,
        actor: record.actor ?? null,
        subject: record.subject ?? null,
        client_id: record.clientId ?? null,
        ip: record.ip ?? null,
        request_id: record.requestId ?? null,
        details: JSON.stringify(record.details ?? {}),
      })),
    )
    .execute();
}
