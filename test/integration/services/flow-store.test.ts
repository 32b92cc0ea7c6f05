// The journeys' flow store on a real database: what start writes is what load reads (facts, binding,
// expiry), only the browser that started a flow loads it, and of two moves from the same version
// exactly one lands (the version check), also when they race.

import t from 'tap';
import { createControllableClock } from '../../../src/domain/clock.js';
import { defineFlow } from '../../../src/flows/engine/definition.js';
import { createFlowStore, FlowError } from '../../../src/flows/engine/store.js';
import { createTestDatabase, engineName } from '../../helpers/database.js';

const testDb = await createTestDatabase();
t.teardown(() => testDb.drop());
const clock = createControllableClock(new Date('2026-12-04T08:00:00Z'));
const flows = createFlowStore({ db: testDb.database.db, clock, bindingKey: Buffer.alloc(32, 3) });
const journey = defineFlow<'started' | 'sent' | 'done'>({ kind: 'test_journey', initial: 'started', transitions: { started: ['sent'], sent: ['sent', 'done'], done: [] }, ttlSeconds: 600 });

const reason = (err: unknown) => (err instanceof FlowError ? err.reason : err);

t.test(`start, load and advance keep what was stored (${engineName})`, async (t) => {
  const started = await flows.start(journey, 'browser-a', { facts: { phone: '139****0001', tries: 0 }, interactionUid: 'uid-1' });
  const loaded = await flows.load<'started' | 'sent' | 'done', { phone: string; tries: number }>(journey, started.id, 'browser-a', ['started']);
  t.same(loaded, started, 'read back as written');
  t.equal(await flows.load(journey, started.id, 'browser-b', ['started']).catch(reason), 'wrong_browser', 'another browser cannot load it');
  t.equal(await flows.load(journey, started.id, 'browser-a', ['sent']).catch(reason), 'out_of_order');
  const sent = await flows.advance(journey, loaded, 'sent', { tries: 1 });
  t.match(await flows.load(journey, started.id, 'browser-a', ['sent']), { state: 'sent', version: 2, facts: { phone: '139****0001', tries: 1 } }, 'the move is stored with its facts');
  t.equal(await flows.advance(journey, sent, 'started').catch(reason), 'out_of_order', 'no move the journey does not declare');
  clock.advance(601_000);
  t.equal(await flows.load(journey, started.id, 'browser-a', ['sent']).catch(reason), 'expired');
});

t.test(`of two moves from the same version one lands (${engineName})`, async (t) => {
  const started = await flows.start(journey, 'browser-a', { facts: {} });
  const first = await flows.advance(journey, started, 'sent', { by: 'first' });
  t.equal(first.version, 2);
  t.equal(await flows.advance(journey, started, 'sent', { by: 'stale' }).catch(reason), 'conflict', 'a move from a version already moved on is refused');
  t.match(await flows.load(journey, started.id, 'browser-a', ['sent']), { version: 2, facts: { by: 'first' } }, 'and changes nothing');

  const loaded = await flows.load(journey, started.id, 'browser-a', ['sent']);
  const raced = await Promise.allSettled(Array.from({ length: 6 }, (_, i) => flows.advance(journey, loaded, 'done', { by: `racer ${i}` })));
  t.equal(raced.filter((r) => r.status === 'fulfilled').length, 1, 'six parallel moves: one lands');
  t.same(raced.filter((r) => r.status === 'rejected').map((r) => reason((r as PromiseRejectedResult).reason)), Array(5).fill('conflict'), 'the others are conflicts');
  const won = raced.find((r) => r.status === 'fulfilled');
  const winner = won?.status === 'fulfilled' ? won.value.facts.by : undefined;
  t.match(winner, /^racer \d$/);
  t.match(await flows.load(journey, started.id, 'browser-a', ['done']), { version: 3, facts: { by: winner } }, "the stored facts are the winner's");
});
