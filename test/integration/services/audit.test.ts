// The audit writer on a real database: every record stored before record() resolves, in call
// order, many concurrent records in few statements (group commit), a failed write logged, not thrown.

import { Writable } from 'node:stream';
import t from 'tap';
import { createControllableClock } from '../../../src/domain/clock.js';
import { createLogger } from '../../../src/log/logger.js';
import { createAudit } from '../../../src/services/audit.js';
import { createTestDatabase, engineName } from '../../helpers/database.js';

const testDb = await createTestDatabase();
t.teardown(() => testDb.drop());
const { db, stats } = testDb.database;
const clock = createControllableClock(new Date('2026-11-27T02:00:00Z'));

/** The events stored for subjects starting with `prefix` (each test uses its own subjects). */
const storedEvents = async (prefix: string) =>
  (await db.selectFrom('audit_events').select(['event', 'subject']).where('subject', 'like', `${prefix}%`).orderBy('id').execute());

t.test(`one record is stored before record() resolves (${engineName})`, async (t) => {
  const audit = createAudit({ db, clock, logger: createLogger('silent') });
  await audit.record({ event: 'keys.rotated', outcome: 'info', subject: 'single.s1', details: { n: 1 } });
  t.same(await storedEvents('single.'), [{ event: 'keys.rotated', subject: 'single.s1' }]);
});

t.test('concurrent records: all stored, in call order, in far fewer statements', async (t) => {
  const audit = createAudit({ db, clock, logger: createLogger('silent') });
  const before = stats.queries;
  await Promise.all(Array.from({ length: 120 }, (_, i) => audit.record({ event: 'signin.success', outcome: 'success', subject: `burst.${String(i).padStart(3, '0')}` })));
  const statements = stats.queries - before;
  const rows = await storedEvents('burst.');
  t.equal(rows.length, 120, 'every record is stored once all have resolved');
  t.same(rows.map((r) => r.subject), Array.from({ length: 120 }, (_, i) => `burst.${String(i).padStart(3, '0')}`), 'in call order');
  t.ok(statements <= 3, `grouped: ${statements} statements for 120 records`);
});

t.test('a failed write is logged for each record and never thrown', async (t) => {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  const audit = createAudit({ db, clock, logger: createLogger('error', sink) });
  // A record the table refuses (outcome outside its check constraint) fails the whole statement.
  const results = await Promise.allSettled([
    audit.record({ event: 'client.added', outcome: 'nonsense' as 'info', subject: 'broken.a' }),
    audit.record({ event: 'client.removed', outcome: 'info', subject: 'broken.b' }),
  ]);
  t.same(results.map((r) => r.status), ['fulfilled', 'fulfilled'], 'callers are never failed by the audit');
  t.ok(lines.some((l) => l.includes('audit write failed') && l.includes('client.added')), 'the failure is logged with the event name');
  await audit.record({ event: 'keys.rotated', outcome: 'info', subject: 'after.ok' });
  t.equal((await storedEvents('after.')).length, 1, 'the writer keeps working after a failure');
});
