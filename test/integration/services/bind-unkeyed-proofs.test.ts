// Proofs recorded before proofs named their identity are bound, at start, to the identity their
// account holds then; once bound they count like any other, and the step is idempotent.

import { randomUUID } from 'node:crypto';
import t from 'tap';
import { bindUnkeyedProofs } from '../../../src/jobs/bind-unkeyed-proofs.js';
import { createLogger } from '../../../src/log/logger.js';
import { insertAccount, insertAccountDocument } from '../../../src/repositories/accounts.js';
import { createBlindIndex, createKeyring, createPiiCipher } from '../../../src/services/crypto/index.js';
import { createIdentityLevels } from '../../../src/services/identity-levels.js';
import { piiAad } from '../../../src/services/pii-aad.js';
import { syntheticIdNumber } from '../../helpers/citizens.js';
import { createTestDatabase, engineName } from '../../helpers/database.js';

const testDb = await createTestDatabase();
t.teardown(() => testDb.drop());
const db = testDb.database.db;
const keyring = createKeyring({ current: { id: 'k1', key: 'mkQ1o4x3tZ9vP0cR7sYwL2nH8bJ5dF6gA1eK3uV9iT0' } });
const secrets = { cipher: createPiiCipher({ keyring, algorithm: 'A256GCM' }), blindIndex: createBlindIndex(keyring.current.keys.blindIndex) };
const levels = createIdentityLevels(secrets);

t.test(`legacy proofs are bound to the account's identity at start (${engineName})`, async (t) => {
  const now = new Date();
  const ids = [randomUUID(), randomUUID()];
  for (const id of ids) {
    const number = syntheticIdNumber();
    await db.transaction().execute(async (trx) => {
      await insertAccount(trx, { id, nameEnvelope: secrets.cipher.encrypt('旧数据', piiAad.name(id)), needsPhone: false, now });
      await insertAccountDocument(trx, { accountId: id, certType: '01', numberEnvelope: secrets.cipher.encrypt(number, piiAad.documentNumber(id)), numberIndex: secrets.blindIndex('document', number), now });
    });
    // As a release before the rule wrote them: no identity key.
    await db.insertInto('identity_proofs').values([
      { id: randomUUID(), account_id: id, kind: 'registry_match', level: 'real_name', adapter: 'population-registry', reference: null, identity_key: null, created_at: now },
      { id: randomUUID(), account_id: id, kind: 'face_match', level: 'real_person', adapter: 'face-verification', reference: null, identity_key: null, created_at: now },
    ]).execute();
  }
  t.equal((await levels.current(db, ids[0] as string))?.level, 'registered', 'an unkeyed proof counts for nothing');
  t.equal(await bindUnkeyedProofs({ db, levels, logger: createLogger('silent'), batchSize: 1 }), 2, 'both accounts bound, one batch at a time');
  for (const id of ids) t.equal((await levels.current(db, id))?.level, 'real_person', 'then they count for the identity the account holds');
  t.equal(await bindUnkeyedProofs({ db, levels, logger: createLogger('silent') }), 0, 'a second run finds nothing');
  const unkeyed = await db.selectFrom('identity_proofs').select('id').where('identity_key', 'is', null).execute();
  t.equal(unkeyed.length, 0);
});
