// Retention of the 好差评 webhook outbox: the 办件 job deletes delivered rows older than
// cases.outboxRetentionDays (in batches, a bounded number per run, found through the partial index
// on delivered_at); recently delivered rows stay, and a row not yet delivered is never deleted,
// however old. The scheduled job runs the purge beside delivery and invitations.

import { randomUUID } from 'node:crypto';
import t from 'tap';
import { createControllableClock } from '../../../src/domain/clock.js';
import { purgeDeliveredOutboxOnce, scheduleCaseJobs } from '../../../src/jobs/cases.js';
import type { Logger } from '../../../src/log/logger.js';
import type { CaseService } from '../../../src/services/cases.js';
import { startTestApp } from '../../helpers/app.js';
import { createTestDatabase, engineName } from '../../helpers/database.js';

const day = 86_400_000;

t.test(`delivered outbox rows past their retention are purged (${engineName})`, async (t) => {
  const testDb = await createTestDatabase();
  t.teardown(() => testDb.drop());
  const clock = createControllableClock(new Date('2026-12-03T08:00:00Z'));
  const app = await startTestApp(t, { database: testDb.database, clock, overrides: { cases: { outboxRetentionDays: 30 } } });
  const db = testDb.database.db;
  const cases = app.container.services.cases;
  const now = clock.now().getTime();
  const ago = (ms: number) => new Date(now - ms);

  // One case of one citizen is enough: the outbox rows only need a case to point at.
  const accountId = randomUUID();
  await db.insertInto('accounts').values({ id: accountId, name_envelope: null, created_at: ago(200 * day), updated_at: ago(200 * day) }).execute();
  const caseId = randomUUID();
  await db.insertInto('cases').values({
    id: caseId, client_id: 'retention-service', case_no: 'RET-1', account_id: accountId, service: '失业保险金申领', department: '南京市人社局',
    status: 'completed', submitted_at: ago(200 * day), status_at: ago(200 * day), completed_at: ago(200 * day),
  }).execute();
  const row = async (label: string, deliveredAt: Date | null, nextAttemptAt: Date) =>
    ({
      label,
      id: String((await db.insertInto('case_rating_outbox').values({ case_id: caseId, client_id: 'retention-service', next_attempt_at: nextAttemptAt, delivered_at: deliveredAt, attempts: deliveredAt ? 1 : 40 }).returning('id').executeTakeFirstOrThrow()).id),
    });
  const remaining = async () => (await db.selectFrom('case_rating_outbox').select('id').orderBy('id').execute()).map((r) => String(r.id));

  await t.test('old delivered rows go; recent delivered and undelivered rows stay', async (t) => {
    const oldRows = [await row('delivered 31 days ago', ago(31 * day), ago(31 * day)), await row('delivered 90 days ago', ago(90 * day), ago(90 * day))];
    const kept = [
      await row('delivered 29 days ago', ago(29 * day), ago(29 * day)),
      await row('delivered a minute ago', ago(60_000), ago(60_000)),
      await row('undelivered for 120 days, retried since', null, ago(60_000)),
      await row('undelivered, next attempt in an hour', null, new Date(now + 3_600_000)),
      await row('undelivered, its first attempt due now', null, ago(0)),
    ];
    t.equal(await purgeDeliveredOutboxOnce(cases), oldRows.length, 'the two old delivered rows');
    t.same(await remaining(), kept.map((r) => r.id), `kept: ${kept.map((r) => r.label).join('; ')}`);
    t.equal(await purgeDeliveredOutboxOnce(cases), 0, 'a second run finds nothing');

    // Time passes: the row delivered 29 days ago crosses the 30 days; undelivered rows still stay.
    clock.advance(2 * day);
    t.equal(await purgeDeliveredOutboxOnce(cases), 1, 'two days later the 29-day-old row goes');
    const undelivered = kept.filter((r) => r.label.startsWith('undelivered'));
    t.same(await remaining(), [kept[1] as { id: string }, ...undelivered].map((r) => r.id));
    clock.advance(400 * day);
    await purgeDeliveredOutboxOnce(cases);
    t.same(await remaining(), undelivered.map((r) => r.id), 'a year on, only undelivered rows remain');
    t.equal(await db.selectFrom('case_rating_outbox').select('id').where('delivered_at', 'is', null).execute().then((r) => r.length), undelivered.length, 'no undelivered row was ever deleted');
  });

  await t.test('batched and bounded: at most 20 batches a run, oldest first', async (t) => {
    const before = await remaining();
    const current = clock.now().getTime();
    const old: string[] = [];
    for (let i = 0; i < 45; i += 1) old.push((await row(`old ${i}`, new Date(current - (100 + i) * day), new Date(current - (100 + i) * day))).id);
    const calls: number[] = [];
    const counting = { purgeDelivered: async (limit: number) => { calls.push(limit); return cases.purgeDelivered(limit); } };
    t.equal(await purgeDeliveredOutboxOnce(counting, 2), 40, 'one run: 20 batches of 2');
    t.equal(calls.length, 20, 'and no more batches');
    t.ok(calls.every((l) => l === 2), 'each batch asks for the batch size');
    const left = (await remaining()).filter((id) => !before.includes(id));
    t.same(left.sort(), old.slice(0, 5).sort(), 'the oldest went first: the five newest of the old rows are left');
    t.equal(await purgeDeliveredOutboxOnce(counting, 2), 5, 'the next run takes the rest');
    t.same(await remaining(), before, 'the undelivered rows are still there');
  });

  await t.test('the partial index finds delivered rows by delivery time', async (t) => {
    const index = await db
      .selectFrom('pg_indexes' as never)
      .select(['indexdef' as never])
      .where('indexname' as never, '=', 'case_rating_outbox_delivered_idx' as never)
      .executeTakeFirst() as { indexdef: string } | undefined;
    t.ok(index, 'the index exists');
    t.match(index?.indexdef ?? '', /\(delivered_at\)\s+WHERE \(delivered_at IS NOT NULL\)/i, 'on delivered_at, only delivered rows');
  });
});

t.test('the scheduled 办件 job runs the purge beside delivery and invitations', async (t) => {
  const asked: number[] = [];
  const fake = {
    deliverDue: async () => 0,
    sendInvitations: async () => 0,
    purgeDelivered: async (limit: number) => { asked.push(limit); return 0; },
  } as unknown as CaseService;
  const logged: unknown[] = [];
  const logger = { info: (...a: unknown[]) => logged.push(a), warn: (...a: unknown[]) => logged.push(a) } as unknown as Logger;
  const stop = scheduleCaseJobs({ cases: fake, logger, intervalSeconds: 0.02 });
  await new Promise((resolve) => setTimeout(resolve, 150));
  stop();
  t.ok(asked.length >= 1, 'the purge ran');
  t.ok(asked.every((l) => l === 500), 'in batches of 500');
  t.same(logged, [], 'nothing purged, nothing logged');
});
