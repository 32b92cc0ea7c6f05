// Imported accounts sign in through the real password form with the passwords they had: a salted
// digest or an old-cost bcrypt hash is verified after one bcrypt verification (so it costs what a
// native one does), replaced by a current bcrypt hash in that sign-in, and the wrong-password
// answer, the lockout and the audit trail are those of a native account.

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import t from 'tap';
import { createControllableClock } from '../../src/domain/clock.js';
import { parseDescriptor } from '../../src/import/descriptor.js';
import { importAccounts } from '../../src/import/import-accounts.js';
import { countLegacyHashes } from '../../src/import/repository.js';
import { startTestApp } from '../helpers/app.js';
import { createTestDatabase, engineName } from '../helpers/database.js';
import { createBrowser, inputValue } from '../helpers/http-client.js';
import { demoRelyingParty } from '../helpers/oidc-flow.js';
import { descriptor, jsonl, legacyIdNumber, legacyPassword, legacyPhone, legacyRow } from '../helpers/legacy-export.js';

t.test(`legacy passwords through the sign-in form (${engineName})`, async (t) => {
  const testDb = await createTestDatabase();
  t.teardown(() => testDb.drop());
  const dir = await mkdtemp(join(tmpdir(), 'jsrs-legacy-signin-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const clock = createControllableClock(new Date('2026-12-02T02:00:00Z'));
  const app = await startTestApp(t, { database: testDb.database, clock });
  const rp = await demoRelyingParty(app);
  const { services, secrets, config } = app.container;
  const db = testDb.database.db;
  const cost = config.security.bcryptCost;

  const importFile = async (name: string, descriptorJson: unknown, rows: unknown[]) => {
    const file = join(dir, name);
    await writeFile(file, jsonl(rows));
    const report = await importAccounts({ db, secrets, levels: services.levels, clock, descriptor: parseDescriptor(descriptorJson), file });
    t.equal(report.counts.imported, rows.length, `${name} imported`);
  };
  await importFile('digests.jsonl', descriptor, [legacyRow(1), legacyRow(2, { level: 'registered', evidence: {} })]);
  const oldBcrypt = bcrypt.hashSync(legacyPassword, cost + 1).replace(/^\$2b\$/, '$2y$');
  await importFile('bcrypt.jsonl', { platform: 'old-app', password: { algorithm: 'bcrypt' } }, [
    legacyRow(3, { password_hash: oldBcrypt, password_salt: null, password_algorithm: 'bcrypt' }),
  ]);
  const native = await services.accounts.register({ certType: '01', documentNumber: legacyIdNumber(4), name: '本地用户', phoneE164: `+86${legacyPhone(4)}`, password: 'Native#2026pw', channel: 'web' });
  const idOf = async (n: number) => (await services.accounts.findAccountIdByDocument(legacyIdNumber(n))) as string;
  const storedHash = async (accountId: string) => (await db.selectFrom('password_credentials').select('hash').where('account_id', '=', accountId).executeTakeFirstOrThrow()).hash;

  async function signIn(account: string, password: string) {
    const browser = createBrowser(app.url);
    const flow = await rp.authorize(browser);
    const res = await browser.post(`${flow.page.url}/password`, { _csrf: inputValue(flow.page.text, '_csrf') ?? '', account, password });
    return { res, browser, flow, message: /<div class="form-error" role="alert">([^<]*)<\/div>/.exec(res.text)?.[1] };
  }
  const verifications = () => services.hasher.stats().verifications;

  await t.test('a salted digest signs in once, then as a bcrypt hash', async (t) => {
    const id = await idOf(1);
    t.match(await storedHash(id), /^\$legacy\$v1\$sha256\$/);
    const before = verifications();
    const first = await signIn(legacyPhone(1), legacyPassword);
    t.equal(first.res.status, 303, 'signed in with the legacy password');
    t.equal(verifications() - before, 1, 'the legacy check spent one bcrypt verification, like a native one');
    const claims = (await rp.finish(first.browser, first.res.location as string, first.flow)).claims();
    t.equal(claims?.identity_level, 'real_name', 'the imported level is asserted');
    t.same(claims?.amr, ['pwd']);
    const rehashed = await storedHash(id);
    t.match(rehashed, new RegExp(`^\\$2[aby]\\$${String(cost).padStart(2, '0')}\\$`), 'rehashed to the current scheme in that sign-in');
    t.ok(bcrypt.compareSync(legacyPassword, rehashed));
    const second = await signIn(legacyIdNumber(1), legacyPassword);
    t.equal(second.res.status, 303, 'the same password works against the new hash');
  });

  await t.test('an old-cost bcrypt hash is padded and rehashed', async (t) => {
    const id = await idOf(3);
    const before = verifications();
    const res = await signIn(legacyPhone(3), legacyPassword);
    t.equal(res.res.status, 303);
    t.equal(verifications() - before, 2, 'its own verification plus the padding one');
    t.match(await storedHash(id), new RegExp(`^\\$2[aby]\\$${String(cost).padStart(2, '0')}\\$`));
  });

  await t.test('wrong passwords, lockout and audit are those of a native account', async (t) => {
    const legacyId = await idOf(2);
    const legacyHash = await storedHash(legacyId);
    const answers = [];
    for (const account of [legacyPhone(2), legacyPhone(4)]) {
      const before = verifications();
      const wrong = await signIn(account, 'Wrong#2019pw');
      t.equal(wrong.res.status, 401);
      t.equal(verifications() - before, 1, 'one bcrypt verification either way');
      answers.push(wrong.message);
    }
    t.equal(answers[0], answers[1], 'the same message for an imported and a native account');
    const details = async (subject: string) =>
      (await db.selectFrom('audit_events').select(['outcome', 'details']).where('event', '=', 'signin.password').where('subject', '=', subject).orderBy('id').execute()).map((r) => ({
        outcome: r.outcome,
        keys: Object.keys(r.details).sort(),
        reason: r.details.reason,
      }));
    t.same(await details(legacyId), await details(native.accountId), 'the same audit records');

    const max = config.security.lockoutMaxFailures;
    for (let i = 1; i < max; i += 1) await signIn(legacyPhone(2), 'Wrong#2019pw');
    const locked = await signIn(legacyPhone(2), legacyPassword);
    t.equal(locked.res.status, 423, 'locked after the same number of failures');
    t.equal(await storedHash(legacyId), legacyHash, 'a locked account checks nothing and keeps its hash');
    const lockEvents = await db.selectFrom('audit_events').select('event').where('event', '=', 'account.locked').where('subject', '=', legacyId).execute();
    t.equal(lockEvents.length, 1, 'account.locked is recorded');
  });

  await t.test('the report counts what is still legacy', async (t) => {
    t.same(await countLegacyHashes(db, cost), { digests: { sha256: 1 }, bcryptOtherCost: 0, total: 1 }, 'only the account that never signed in');
  });
});
