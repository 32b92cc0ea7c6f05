// A document number goes to one person only: a registration and a family binding (亲情号) of the
// same number at the same moment never both succeed — the loser gets its clear conflict.

import t from 'tap';
import { loadPopulationRegistry } from '../../src/mocks/fixtures.js';
import { createTestDatabase, engineName } from '../helpers/database.js';
import { startTestApp } from '../helpers/app.js';
import { freshPhone, strongPassword } from '../helpers/citizens.js';

t.test(`registration and family binding of one number race (${engineName})`, async (t) => {
  const testDb = await createTestDatabase();
  t.teardown(() => testDb.drop());
  const app = await startTestApp(t, { database: testDb.database });
  const { accounts, family } = app.container.services;
  const db = testDb.database.db;
  const people = loadPopulationRegistry().filter((p) => p.certType === '01');
  const [binder, ...members] = people;
  if (!binder || members.length < 6) throw new Error('the registry fixture needs 7 resident-ID people');

  const register = (p: (typeof people)[number]) =>
    accounts.register({ certType: '01', documentNumber: p.idNumber, name: p.name, phoneE164: `+86${freshPhone()}`, password: strongPassword, channel: 'web' });
  const binderId = (await register(binder)).accountId;

  for (const member of members.slice(0, 6)) {
    const [registered, bound] = await Promise.allSettled([
      register(member),
      family.bind(binderId, { certType: '01', documentNumber: member.idNumber, name: member.name, relation: 'parent' }),
    ]);
    const winners = [registered, bound].filter((r) => r.status === 'fulfilled').length;
    t.equal(winners, 1, `${member.name}: exactly one of the two wins`);
    const loser = [registered, bound].find((r) => r.status === 'rejected') as PromiseRejectedResult | undefined;
    t.match((loser?.reason as { code?: string })?.code, /^(registration\.document_family_bound|account\.family\.(registered|bound))$/, 'the loser gets its conflict, not an internal error');
    const index = app.container.secrets.blindIndex('document', member.idNumber);
    const [asAccount, asFamily] = await Promise.all([
      db.selectFrom('account_documents').select('account_id').where('number_index', '=', index).execute(),
      db.selectFrom('family_bindings').select('id').where('member_number_index', '=', index).execute(),
    ]);
    t.equal(asAccount.length + asFamily.length, 1, 'the number is held once, as an account or as a family number');
  }
});
