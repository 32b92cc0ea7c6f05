// One round trip for an all-or-nothing rate-limit check: the function creates missing buckets,
// locks them in name order, and counts a use on every one of them or, when one is full, on none.
import { sql, type Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create function rate_limits_consume(p_buckets text[], p_limits integer[], p_windows double precision[], p_now timestamptz)
    returns integer language plpgsql as $$
    declare
      v_count integer;
      v_reset timestamptz;
      v_counts integer[] := '{}';
      v_resets timestamptz[] := '{}';
      v_retry double precision := 0;
    begin
      begin
        insert into rate_limits (bucket, count, reset_at)
          select b, 0, p_now from unnest(p_buckets) as b order by b
          on conflict (bucket) do nothing;
        perform 1 from rate_limits where bucket = any(p_buckets) order by bucket for update;
        for i in 1 .. coalesce(array_length(p_buckets, 1), 0) loop
          select count, reset_at into v_count, v_reset from rate_limits where bucket = p_buckets[i];
          if v_reset <= p_now then
            v_count := 0;
            v_reset := p_now + p_windows[i] * interval '1 second';
          end if;
          if v_count + 1 > p_limits[i] then
            v_retry := greatest(v_retry, extract(epoch from (v_reset - p_now)));
          end if;
          v_counts := v_counts || (v_count + 1);
          v_resets := v_resets || v_reset;
        end loop;
        if v_retry > 0 then
          -- Refused: undo the buckets this call created, count nothing.
          raise exception 'rate limited' using errcode = 'JR001';
        end if;
        for i in 1 .. coalesce(array_length(p_buckets, 1), 0) loop
          update rate_limits set count = v_counts[i], reset_at = v_resets[i] where bucket = p_buckets[i];
        end loop;
      exception when sqlstate 'JR001' then
        return greatest(1, ceil(v_retry))::integer;
      end;
      return 0;
    end
    $$
  `.execute(db);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop function rate_limits_consume(text[], integer[], double precision[], timestamptz)`.execute(db);
}
