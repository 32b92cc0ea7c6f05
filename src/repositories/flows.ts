// SQL for journeys (flows): create, read, and a version-checked state change so two requests
// cannot both move one flow forward. SQL text, not built by Kysely: every step of every journey
// runs these (its builder's CPU).

import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema.js';

export interface FlowRow {
  id: string;
  kind: string;
  state: string;
  facts: Record<string, unknown>;
  interactionUid: string | null;
  accountId: string | null;
  browserHash: string;
  version: number;
  expiresAt: Date;
}

export async function insertFlow(db: Kysely<DB>, row: Omit<FlowRow, 'version'>, now: Date): Promise<void> {
  await sql`
    insert into flows (id, kind, state, facts, interaction_uid, account_id, browser_hash, expires_at, created_at, updated_at)
    values (${row.id}, ${row.kind}, ${row.state}, ${JSON.stringify(row.facts)}, ${row.interactionUid}, ${row.accountId},
            ${row.browserHash}, ${row.expiresAt}, ${now}, ${now})`.execute(db);
}

export async function findFlow(db: Kysely<DB>, id: string): Promise<FlowRow | undefined> {
  const { rows } = await sql<{
    id: string;
    kind: string;
    state: string;
    facts: Record<string, unknown>;
    interaction_uid: string | null;
    account_id: string | null;
    browser_hash: string;
    version: number;
    expires_at: Date;
  }>`select id, kind, state, facts, interaction_uid, account_id, browser_hash, version, expires_at from flows where id = ${id}`.execute(db);
  const row = rows[0];
  return (
    row && {
      id: row.id,
      kind: row.kind,
      state: row.state,
      facts: row.facts,
      interactionUid: row.interaction_uid,
      accountId: row.account_id,
      browserHash: row.browser_hash,
      version: row.version,
      expiresAt: row.expires_at,
    }
  );
}

/** Moves the flow from (state, version) to the new state; false when someone else moved it first. */
export async function updateFlowIfVersion(
  db: Kysely<DB>,
  id: string,
  expectedVersion: number,
  change: { state: string; facts: Record<string, unknown>; accountId: string | null; expiresAt: Date },
  now: Date,
): Promise<boolean> {
  const result = await sql`
    update flows set state = ${change.state}, facts = ${JSON.stringify(change.facts)}, account_id = ${change.accountId},
                     expires_at = ${change.expiresAt}, version = ${expectedVersion + 1}, updated_at = ${now}
     where id = ${id} and version = ${expectedVersion}`.execute(db);
  return (result.numAffectedRows ?? 0n) > 0n;
}

export async function deleteExpiredFlows(db: Kysely<DB>, before: Date, limit: number): Promise<number> {
  const doomed = db.selectFrom('flows').select('id').where('expires_at', '<', before).limit(limit);
  const result = await db.deleteFrom('flows').where('id', 'in', doomed).executeTakeFirst();
  return Number(result.numDeletedRows);
}
