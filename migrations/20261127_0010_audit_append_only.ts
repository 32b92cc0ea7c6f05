// The audit trail is append-only for the application: a trigger refuses every UPDATE, and every
// DELETE of a row younger than 180 days (the minimum the Cybersecurity Law asks to keep), for any
// role that has not disabled triggers — so the purge job can only remove what retention allows.
import { sql, type Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create function audit_events_guard() returns trigger language plpgsql as $$
    begin
      if tg_op = 'UPDATE' or tg_op = 'TRUNCATE' then
        raise exception 'audit_events is append-only' using errcode = '42501';
      end if;
      if old.at > now() - interval '180 days' then
        raise exception 'audit_events rows are kept at least 180 days' using errcode = '42501';
      end if;
      return old;
    end
    $$
  `.execute(db);
  await sql`create trigger audit_events_append_only before update or delete on audit_events for each row execute function audit_events_guard()`.execute(db);
  await sql`create trigger audit_events_no_truncate before truncate on audit_events for each statement execute function audit_events_guard()`.execute(db);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop trigger audit_events_no_truncate on audit_events`.execute(db);
  await sql`drop trigger audit_events_append_only on audit_events`.execute(db);
  await sql`drop function audit_events_guard()`.execute(db);
}
