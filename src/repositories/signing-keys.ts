// SQL for signing and cookie keys. Creation and rotation take a table lock so two nodes starting
// at once (or rotating at once) cannot both write a key set.

import { sql, type Kysely, type Transaction } from 'kysely';
import type { DB } from '../db/schema.js';

export type KeyUse = 'sig' | 'cookie';

export interface KeyRow {
  kid: string;
  use: KeyUse;
  alg: string;
  status: 'active' | 'retired';
  privateEnvelope: string;
  createdAt: Date;
  retiredAt: Date | null;
  expiresAt: Date | null;
}

export async function lockSigningKeys(trx: Transaction<DB>): Promise<void> {
  await sql`lock table signing_keys in exclusive mode`.execute(trx);
}

/** Active keys and retired keys still inside their publication window, newest first. */
export async function listUsableKeys(db: Kysely<DB>, use: KeyUse, now: Date): Promise<KeyRow[]> {
  const rows = await db
    .selectFrom('signing_keys')
    .selectAll()
    .where('use', '=', use)
    .where((eb) => eb.or([eb('status', '=', 'active'), eb('expires_at', '>', now)]))
    .orderBy('created_at', 'desc')
    .execute();
  return rows.map((r) => ({
    kid: r.kid,
    use: r.use,
    alg: r.alg,
    status: r.status,
    privateEnvelope: r.private_envelope,
    createdAt: r.created_at,
    retiredAt: r.retired_at,
    expiresAt: r.expires_at,
  }));
}

export async function insertKey(
  trx: Transaction<DB>,
  row: { kid: string; use: KeyUse; alg: string; privateEnvelope: string; publicJwk: Record<string, unknown> | null; createdAt: Date },
): Promise<void> {
  await trx
    .insertInto('signing_keys')
    .values({
      kid: row.kid,
      use: row.use,
      alg: row.alg,
      status: 'active',
      private_envelope: row.privateEnvelope,
      public_jwk: row.publicJwk ? JSON.stringify(row.publicJwk) : null,
      created_at: row.createdAt,
    })
    .execute();
}

/** Retires every active key of `use`, keeping it published until `publishUntil`; returns how many. */
export async function retireActiveKeys(trx: Transaction<DB>, use: KeyUse, at: Date, publishUntil: Date): Promise<number> {
  const result = await trx
    .updateTable('signing_keys')
    .set({ status: 'retired', retired_at: at, expires_at: publishUntil })
    .where('use', '=', use)
    .where('status', '=', 'active')
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

export async function countActiveKeys(trx: Transaction<DB>, use: KeyUse): Promise<number> {
  const row = await trx
    .selectFrom('signing_keys')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('use', '=', use)
    .where('status', '=', 'active')
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** A fingerprint of the key table; it changes whenever a key is added or retired. */
export async function keySetFingerprint(db: Kysely<DB>): Promise<string> {
  const row = await db
    .selectFrom('signing_keys')
    .select((eb) => [
      eb.fn.countAll<string>().as('n'),
      eb.fn.max('created_at').as('created'),
      eb.fn.max('retired_at').as('retired'),
    ])
    .executeTakeFirstOrThrow();
  return `${row.n}:${String(row.created?.valueOf() ?? '')}:${String(row.retired?.valueOf() ?? '')}`;
}
