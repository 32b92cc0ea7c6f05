// The adapter an integrator would write from oidc-provider's documentation: one table, one query
// per adapter call, `pg` directly, no caching. The bench's "oidc-provider on PostgreSQL" reference.

import pg from 'pg';
import type { Adapter, AdapterFactory, AdapterPayload } from 'oidc-provider';

const table = 'reference_payloads';

export async function textbookPostgresAdapter(databaseUrl: string): Promise<AdapterFactory> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 10 });
  await pool.query(`
    create table if not exists ${table} (
      model text not null, id text not null, payload jsonb not null,
      grant_id text, uid text, user_code text, expires_at timestamptz, consumed_at timestamptz,
      primary key (model, id)
    )`);
  await pool.query(`create index if not exists ${table}_grant on ${table} (grant_id)`);
  await pool.query(`create index if not exists ${table}_uid on ${table} (uid)`);
  await pool.query(`create index if not exists ${table}_user_code on ${table} (user_code)`);

  const rowToPayload = (rows: Array<{ payload: AdapterPayload; consumed_at: Date | null }>): AdapterPayload | undefined => {
    const row = rows[0];
    if (!row) return undefined;
    return row.consumed_at ? { ...row.payload, consumed: Math.floor(row.consumed_at.getTime() / 1000) } : row.payload;
  };

  return (model: string): Adapter => ({
    async upsert(id, payload, expiresIn) {
      await pool.query(
        `insert into ${table} (model, id, payload, grant_id, uid, user_code, expires_at)
         values ($1, $2, $3, $4, $5, $6, $7)
         on conflict (model, id) do update set payload = excluded.payload, grant_id = excluded.grant_id,
           uid = excluded.uid, user_code = excluded.user_code, expires_at = excluded.expires_at`,
        [model, id, JSON.stringify(payload), payload.grantId ?? null, payload.uid ?? null, payload.userCode ?? null, expiresIn ? new Date(Date.now() + expiresIn * 1000) : null],
      );
    },
    async find(id) {
      return rowToPayload((await pool.query(`select payload, consumed_at from ${table} where model = $1 and id = $2`, [model, id])).rows);
    },
    async findByUid(uid) {
      return rowToPayload((await pool.query(`select payload, consumed_at from ${table} where model = $1 and uid = $2`, [model, uid])).rows);
    },
    async findByUserCode(userCode) {
      return rowToPayload((await pool.query(`select payload, consumed_at from ${table} where model = $1 and user_code = $2`, [model, userCode])).rows);
    },
    async consume(id) {
      await pool.query(`update ${table} set consumed_at = now() where model = $1 and id = $2`, [model, id]);
    },
    async destroy(id) {
      await pool.query(`delete from ${table} where model = $1 and id = $2`, [model, id]);
    },
    async revokeByGrantId(grantId) {
      await pool.query(`delete from ${table} where model = $1 and grant_id = $2`, [model, grantId]);
    },
  });
}
