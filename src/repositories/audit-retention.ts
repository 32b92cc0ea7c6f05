// SQL for the audit trail's retention and export: delete rows past retention (the database
// refuses anything younger than 180 days), and read a time range in order for `cli audit export`.

import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';

export async function purgeAuditEventsBefore(db: Kysely<DB>, before: Date, limit: number): Promise<number> {
  const doomed = db.selectFrom('audit_events').select('id').where('at', '<', before).orderBy('at').limit(limit);
  const result = await db.deleteFrom('audit_events').where('id', 'in', doomed).executeTakeFirst();
  return Number(result.numDeletedRows);
}

export async function* readAuditEvents(db: Kysely<DB>, range: { since: Date; until: Date }, pageSize = 1000) {
  let after = range.since;
  let afterId = '0';
  for (;;) {
    const rows = await db
      .selectFrom('audit_events')
      .selectAll()
      .where((eb) => eb.or([eb('at', '>', after), eb.and([eb('at', '=', after), eb('id', '>', afterId)])]))
      .where('at', '<', range.until)
      .orderBy('at')
      .orderBy('id')
      .limit(pageSize)
      .execute();
    for (const row of rows) yield row;
    const last = rows[rows.length - 1];
    if (!last || rows.length < pageSize) return;
    after = last.at;
    afterId = String(last.id);
  }
}
