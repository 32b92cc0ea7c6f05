// 账号关联's rules on a real database (PostgreSQL with DATABASE_URL, else PGlite): a link of the
// signed-in account's own identity raises its level once; an identity linked elsewhere is never
// taken over (also when two accounts race for it); an asserted document must be the account's.

import { randomUUID } from 'node:crypto';
import t from 'tap';
import { createControllableClock } from '../../../src/domain/clock.js';
import { gb11643CheckChar } from '../../../src/domain/documents.js';
import { AppError } from '../../../src/errors/app-error.js';
import { createLogger } from '../../../src/log/logger.js';
import { insertAccount, insertAccountDocument } from '../../../src/repositories/accounts.js';
import { piiAad } from '../../../src/services/accounts.js';
import { createAudit } from '../../../src/services/audit.js';
import { createBlindIndex, createKeyring, createPiiCipher } from '../../../src/services/crypto/index.js';
import { createUpstreamLinkService, type UpstreamAssertion } from '../../../src/services/upstream-links.js';
import { createIdentityLevels } from '../../../src/services/identity-levels.js';
import { createTestDatabase, engineName } from '../../helpers/database.js';

const testDb = await createTestDatabase();
t.teardown(() => testDb.drop());
const db = testDb.database.db;
const clock = createControllableClock(new Date('2026-11-27T02:00:00Z'));
const keyring = createKeyring({ current: { id: 'k1', key: 'mkQ1o4x3tZ9vP0cR7sYwL2nH8bJ5dF6gA1eK3uV9iT0' } });
const secrets = { keyring, cipher: createPiiCipher({ keyring, algorithm: 'A256GCM' }), blindIndex: createBlindIndex(keyring.current.keys.blindIndex) };
const audit = createAudit({ db, clock, logger: createLogger('silent') });
const levels = createIdentityLevels(secrets);
const links = createUpstreamLinkService({ db, clock, secrets, levels, audit });

let seq = 0;
const freshId = () => {
  seq += 1;
  const first17 = `32010219850101${String(seq).padStart(3, '0')}`;
  return `${first17}${gb11643CheckChar(first17)}`;
};

/** An account at `level` (real_name: a registry match of its identity), with a resident-ID document unless `document` is null. */
async function account(level: 'registered' | 'real_name', document: string | null = freshId()): Promise<{ id: string; document: string | null }> {
  const id = randomUUID();
  await db.transaction().execute(async (trx) => {
    await insertAccount(trx, { id, nameEnvelope: secrets.cipher.encrypt('关联测试', piiAad.name(id)), needsPhone: false, now: clock.now() });
    if (document) {
      await insertAccountDocument(trx, { accountId: id, certType: '01', numberEnvelope: secrets.cipher.encrypt(document, piiAad.documentNumber(id)), numberIndex: secrets.blindIndex('document', document), now: clock.now() });
    }
    if (level === 'real_name') {
      const identityKey = levels.keyOf({ certType: document ? '01' : null, number: document, name: '关联测试' });
      await levels.record(trx, id, { kind: 'registry_match', level: 'real_name', adapter: 'population-registry', identityKey }, clock.now());
    }
  });
  return { id, document };
}

const refusal = (err: unknown) => (err instanceof AppError ? [err.code, err.status, err.params.upstream] : err);
const linksOf = async (accountId: string) => (await db.selectFrom('upstream_links').select(['upstream', 'subject']).where('account_id', '=', accountId).orderBy('upstream').execute());
const auditOf = async (accountId: string) =>
  (await db.selectFrom('audit_events').select(['event', 'outcome', 'details']).where('subject', '=', accountId).orderBy('id').execute()).map((r) => [r.event, r.outcome, (r.details as { reason?: string }).reason ?? '']);

t.test(`账号关联 rules (${engineName})`, async (t) => {
  await t.test("the account's own identity links once and raises the level once", async (t) => {
    const me = await account('real_name');
    const assertion: UpstreamAssertion = { upstream: 'jszw', subject: 'jszw-own', level: 'real_person', name: '关联测试', certType: '01', idNumber: me.document as string };
    t.same(await links.link(me.id, assertion, { actor: me.id }), { outcome: 'linked', level: 'real_person' });
    t.same(await links.link(me.id, assertion, { actor: me.id }), { outcome: 'already_linked', level: 'real_person' }, 'linking again changes nothing');
    t.same(await linksOf(me.id), [{ upstream: 'jszw', subject: 'jszw-own' }]);
    const proofs = await db.selectFrom('identity_proofs').select(['kind', 'adapter', 'level']).where('account_id', '=', me.id).where('kind', '=', 'upstream_assertion').execute();
    t.same(proofs, [{ kind: 'upstream_assertion', adapter: 'jszw', level: 'real_person' }]);
    t.same(await auditOf(me.id), [['account.upstream_linked', 'success', ''], ['account.level_changed', 'success', '']]);
  });

  await t.test('an identity linked to another account is refused, and stays where it is', async (t) => {
    const first = await account('registered');
    const second = await account('registered');
    const assertion: UpstreamAssertion = { upstream: 'alipay', subject: 'alipay-taken', level: 'registered' };
    await links.link(first.id, assertion);
    await t.rejects(links.link(second.id, assertion), new AppError('account.links.taken', 409));
    t.same(refusal(await links.link(second.id, assertion).catch((e: unknown) => e)), ['account.links.taken', 409, 'alipay']);
    t.same(await linksOf(second.id), []);
    t.same(await linksOf(first.id), [{ upstream: 'alipay', subject: 'alipay-taken' }]);
    t.same((await auditOf(second.id)).map((r) => r[2]), ['taken', 'taken']);
  });

  await t.test('two accounts racing for one identity: exactly one gets it', async (t) => {
    const racers = await Promise.all([account('registered'), account('registered'), account('registered'), account('registered')]);
    const assertion: UpstreamAssertion = { upstream: 'essc', subject: 'essc-race', level: 'registered' };
    const results = await Promise.allSettled(racers.map((r) => links.link(r.id, assertion)));
    t.equal(results.filter((r) => r.status === 'fulfilled').length, 1, 'one link');
    t.same(results.filter((r) => r.status === 'rejected').map((r) => refusal((r as PromiseRejectedResult).reason)), Array(3).fill(['account.links.taken', 409, 'essc']), 'the others are refused as taken');
    const rows = await db.selectFrom('upstream_links').select('account_id').where('upstream', '=', 'essc').where('subject', '=', 'essc-race').execute();
    t.equal(rows.length, 1);
  });

  await t.test("another person's document, a malformed one, or none on the account: refused", async (t) => {
    const me = await account('real_name');
    const someoneElse = freshId();
    const mismatch = await links.link(me.id, { upstream: 'jszw', subject: 'jszw-other', level: 'real_name', certType: '01', idNumber: someoneElse }).catch((e: unknown) => e);
    t.same(refusal(mismatch), ['account.links.identity_mismatch', 403, 'jszw']);
    const malformed = await links.link(me.id, { upstream: 'jszw', subject: 'jszw-bad', level: 'real_name', certType: '01', idNumber: '12345' }).catch((e: unknown) => e);
    t.same(refusal(malformed), ['account.links.identity_mismatch', 403, 'jszw'], 'a document that does not validate is not the account\'s');
    const bare = await account('registered', null);
    const noDocument = await links.link(bare.id, { upstream: 'essc', subject: 'essc-bare', level: 'real_name', certType: '01', idNumber: freshId() }).catch((e: unknown) => e);
    t.same(refusal(noDocument), ['account.links.no_document', 409, 'essc']);
    t.same(await linksOf(me.id), []);
    t.same(await linksOf(bare.id), []);
    t.equal((await db.selectFrom('identity_proofs').select('id').where('account_id', 'in', [me.id, bare.id]).where('kind', '=', 'upstream_assertion').execute()).length, 0, 'no proof');
  });

  await t.test('an assertion without a document links without a proof; a second account of the same upstream needs the first unlinked', async (t) => {
    const me = await account('registered');
    t.same(await links.link(me.id, { upstream: 'alipay', subject: 'alipay-nodoc', level: 'real_name' }), { outcome: 'linked', level: 'registered' }, 'no document, no level');
    const second = await links.link(me.id, { upstream: 'alipay', subject: 'alipay-second', level: 'registered' }).catch((e: unknown) => e);
    t.same(refusal(second), ['account.links.upstream_in_use', 409, 'alipay']);
    t.same(await linksOf(me.id), [{ upstream: 'alipay', subject: 'alipay-nodoc' }]);
  });
});
