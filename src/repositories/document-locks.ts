// One document number is given to one person: a registration (account_documents) and a family
// binding (family_bindings) of the same number serialise on a transaction-scoped advisory lock
// keyed by the number's blind index, then each checks the other table before it writes.

import { sql, type Transaction } from 'kysely';
import type { DB } from '../db/schema.js';

export async function lockDocumentNumber(trx: Transaction<DB>, numberIndex: string): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtextextended(${`document:${numberIndex}`}, 0))`.execute(trx);
}
