// SQL for the services a citizen starred in the user centre's catalogue (办事 / 收藏).

import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';

export async function listFavouriteClientIds(db: Kysely<DB>, accountId: string): Promise<string[]> {
  const rows = await db.selectFrom('favourites').select('client_id').where('account_id', '=', accountId).orderBy('created_at').execute();
  return rows.map((r) => r.client_id);
}

export async function addFavourite(db: Kysely<DB>, accountId: string, clientId: string, now: Date): Promise<void> {
  await db
    .insertInto('favourites')
    .values({ account_id: accountId, client_id: clientId, created_at: now })
    .onConflict((oc) => oc.columns(['account_id', 'client_id']).doNothing())
    .execute();
}

export async function removeFavourite(db: Kysely<DB>, accountId: string, clientId: string): Promise<void> {
  await db.deleteFrom('favourites').where('account_id', '=', accountId).where('client_id', '=', clientId).execute();
}
