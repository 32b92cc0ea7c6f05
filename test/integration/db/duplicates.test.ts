// Repositories translate a unique violation into DuplicateError (naming the index), also through a
// transaction; any other database error passes through untouched. Services only see DuplicateError.

import { randomUUID } from 'node:crypto';
import t from 'tap';
import { insertAccount, insertPhone } from '../../../src/repositories/accounts.js';
import { DuplicateError } from '../../../src/repositories/duplicates.js';
import { createTestDatabase } from '../../helpers/database.js';

t.test('a second holder of a phone index is a DuplicateError; a missing account is not', async (t) => {
  const test = await createTestDatabase();
  t.teardown(() => test.drop());
  const { db } = test.database;
  const now = new Date();
  const [a, b] = [randomUUID(), randomUUID()];
  await db.transaction().execute(async (trx) => {
    await insertAccount(trx, { id: a, nameEnvelope: null, needsPhone: false, now });
    await insertAccount(trx, { id: b, nameEnvelope: null, needsPhone: false, now });
    await insertPhone(trx, { accountId: a, phoneEnvelope: 'e1', phoneIndex: 'same-index', verifiedAt: now });
  });
  const err = await db
    .transaction()
    .execute((trx) => insertPhone(trx, { accountId: b, phoneEnvelope: 'e2', phoneIndex: 'same-index', verifiedAt: now }))
    .then(() => undefined, (e: unknown) => e);
  t.type(err, DuplicateError, 'the unique violation arrives as DuplicateError');
  t.equal((err as DuplicateError).constraint, 'phones_phone_index_key', 'naming the index');
  const other = await db
    .transaction()
    .execute((trx) => insertPhone(trx, { accountId: randomUUID(), phoneEnvelope: 'e3', phoneIndex: 'other-index', verifiedAt: now }))
    .then(() => undefined, (e: unknown) => e);
  t.ok(other instanceof Error && !(other instanceof DuplicateError), 'a foreign-key violation is not a duplicate');
});
