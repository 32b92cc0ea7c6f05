// SQL for registered relying parties (the clients table); secrets arrive and leave encrypted, and a
// client a system administrator disabled carries its disabled_at (the store hides it from the provider).

import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema.js';

export type ClientSource = 'file' | 'cli' | 'registration' | 'dev';

export interface ClientRow {
  clientId: string;
  metadata: Record<string, unknown>;
  secretEnvelope: string | null;
  source: ClientSource;
  createdAt: Date;
  updatedAt: Date;
  /** When a system administrator disabled the client; null while it is enabled. */
  disabledAt: Date | null;
}

export async function findClientRow(db: Kysely<DB>, clientId: string): Promise<ClientRow | undefined> {
  const row = await db.selectFrom('clients').selectAll().where('client_id', '=', clientId).executeTakeFirst();
  return row && toRow(row);
}

export async function listClientRows(db: Kysely<DB>): Promise<ClientRow[]> {
  const rows = await db.selectFrom('clients').selectAll().orderBy('client_id').execute();
  return rows.map(toRow);
}

export async function upsertClientRow(
  db: Kysely<DB>,
  row: { clientId: string; metadata: Record<string, unknown>; secretEnvelope: string | null; source: ClientSource },
): Promise<void> {
  const metadata = JSON.stringify(row.metadata);
  await db
    .insertInto('clients')
    .values({ client_id: row.clientId, metadata, secret_envelope: row.secretEnvelope, source: row.source })
    .onConflict((oc) =>
      oc.column('client_id').doUpdateSet({
        metadata,
        secret_envelope: row.secretEnvelope,
        source: row.source,
        updated_at: sql`now()`,
      }),
    )
    .execute();
}

/** Disables (`at`) or enables (null) a client; false when there is no such client. */
export async function setClientDisabledAt(db: Kysely<DB>, clientId: string, at: Date | null): Promise<boolean> {
  const result = await db.updateTable('clients').set({ disabled_at: at, updated_at: sql`now()` }).where('client_id', '=', clientId).executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export async function deleteClientRow(db: Kysely<DB>, clientId: string): Promise<boolean> {
  const result = await db.deleteFrom('clients').where('client_id', '=', clientId).executeTakeFirst();
  return result.numDeletedRows > 0n;
}

function toRow(row: {
  client_id: string;
  metadata: Record<string, unknown>;
  secret_envelope: string | null;
  source: ClientSource;
  created_at: Date;
  updated_at: Date;
  disabled_at: Date | null;
}): ClientRow {
  return {
    clientId: row.client_id,
    metadata: row.metadata,
    secretEnvelope: row.secret_envelope,
    source: row.source,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    disabledAt: row.disabled_at,
  };
}
