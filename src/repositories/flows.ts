// SQL for journeys (flows): create, read, and a version-checked state change so two requests
// cannot both move one flow forward.

import type { Kysely } from 'kysely';
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
  await db
    .insertInto('flows')
    .values({
      id: row.id,
      kind: row.kind,
      state: row.state,
      facts: JSON.stringify(row.facts),
      interaction_uid: row.interactionUid,
      account_id: row.accountId,
      browser_hash: row.browserHash,
      expires_at: row.expiresAt,
      created_at: now,
      updated_at: now,
    })
    .execute();
}

export async function findFlow(db: Kysely<DB>, id: string): Promise<FlowRow | undefined> {
  const row = await db.selectFrom('flows').selectAll().where('id', '=', id).executeTakeFirst();
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
  const result = await db
    .updateTable('flows')
    .set({
      state: change.state,
      facts: JSON.stringify(change.facts),
      account_id: change.accountId,
      expires_at: change.expiresAt,
      version: expectedVersion + 1,
      updated_at: now,
    })
    .where('id', '=', id)
    .where('version', '=', expectedVersion)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export async function deleteExpiredFlows(db: Kysely<DB>, before: Date, limit: number): Promise<number> {
  const doomed = db.selectFrom('flows').select('id').where('expires_at', '<', before).limit(limit);
  const result = await db.deleteFrom('flows').where('id', 'in', doomed).executeTakeFirst();
  return Number(result.numDeletedRows);
}
