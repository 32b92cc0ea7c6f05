// SQL for the audit trail: append (the only write the application makes) and reads for the
// user centre and the export command.

import { sql, type Kysely } from 'kysely';
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

/**
 * Appends records in one statement, in the given order (ids ascending). One SQL text whatever the
 * number of records (arrays, not a row of parameters each): prepared once, not built per request.
 */
export async function appendAuditEvents(db: Kysely<DB>, entries: ReadonlyArray<{ at: Date; record: AuditRecord }>): Promise<void> {
  if (entries.length === 0) return;
  const column = <T>(pick: (entry: { at: Date; record: AuditRecord }) => T): T[] => entries.map(pick);
  await sql`
    insert into audit_events (at, event, outcome, actor, subject, client_id, ip, request_id, details)
    select e.at, e.event, e.outcome, e.actor, e.subject, e.client_id, e.ip, e.request_id, e.details::jsonb
      from unnest(${column((e) => e.at.toISOString())}::timestamptz[], ${column((e) => e.record.event)}::text[],
                  ${column((e) => e.record.outcome)}::text[], ${column((e) => e.record.actor ?? null)}::text[],
                  ${column((e) => e.record.subject ?? null)}::text[], ${column((e) => e.record.clientId ?? null)}::text[],
                  ${column((e) => e.record.ip ?? null)}::text[], ${column((e) => e.record.requestId ?? null)}::text[],
                  ${column((e) => JSON.stringify(e.record.details ?? {}))}::text[])
           with ordinality as e(at, event, outcome, actor, subject, client_id, ip, request_id, details, n)
     order by e.n`.execute(db);
}
