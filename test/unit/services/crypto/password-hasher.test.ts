import t from 'tap';
import { availableParallelism } from 'node:os';
import { performance as loopPerformance } from 'node:perf_hooks';
import type { Worker } from 'node:worker_threads';
import { ValidationError } from '../../../../src/errors/app-error.js';
import {
  CryptoConfigError,
  PasswordHasherError,
  createPasswordHasher,
  type PasswordHasher,
} from '../../../../src/services/crypto/index.js';

function withHasher(t: { teardown(fn: () => unknown): void }, hasher: PasswordHasher): PasswordHasher {
  t.teardown(() => hasher.close());
  return hasher;
}

t.test('hash and verify', async (t) => {
  const hasher = withHasher(t, createPasswordHasher({ cost: 4, poolSize: 2 }));
  const hash = await hasher.hash('Correct-Horse-9');
  t.match(hash, /^\$2b\$04\$[./A-Za-z0-9]{53}$/);
  t.equal(await hasher.verify('Correct-Horse-9', hash), true);
  t.equal(await hasher.verify('correct-horse-9', hash), false);
  t.equal(await hasher.verify('', hash), false);
  t.not(await hasher.hash('Correct-Horse-9'), hash, 'salted');
  t.equal(await hasher.verifyAgainstDummy('anything'), false);
  t.equal(await hasher.verifyAgainstDummy('x'.repeat(500)), false);
  t.notOk(hasher.needsRehash(hash));
  t.ok(createPasswordHasher({ cost: 5, poolSize: 1 }).needsRehash(hash), 'other cost needs rehash');
  t.ok(hasher.needsRehash('not a hash'));
});

t.test('length limit: 72 UTF-8 bytes', async (t) => {
  const hasher = withHasher(t, createPasswordHasher({ cost: 4, poolSize: 1 }));
  const chinese24 = '密'.repeat(24); // 72 bytes
  const hash = await hasher.hash(chinese24);
  t.equal(await hasher.verify(chinese24, hash), true);
  await t.rejects(hasher.hash('密'.repeat(25)), ValidationError, '75 bytes refused');
  await t.rejects(hasher.hash('a'.repeat(73)), ValidationError);
  await t.rejects(hasher.hash(42 as unknown as string), ValidationError);
  // Without the limit bcrypt would accept this (same first 72 bytes): we answer false instead.
  t.equal(await hasher.verify(`${chinese24}extra`, hash), false);
});

t.test('malformed stored hash is a PasswordHasherError', async (t) => {
  const hasher = withHasher(t, createPasswordHasher({ cost: 4, poolSize: 1 }));
  await t.rejects(hasher.verify('x', 'plaintext-password'), PasswordHasherError);
  await t.rejects(hasher.verify('x', null as unknown as string), PasswordHasherError);
});

t.test('options are validated', async (t) => {
  t.throws(() => createPasswordHasher({ cost: 3 }), CryptoConfigError);
  t.throws(() => createPasswordHasher({ cost: 32 }), CryptoConfigError);
  t.throws(() => createPasswordHasher({ poolSize: 0 }), CryptoConfigError);
  t.throws(() => createPasswordHasher({ poolSize: 1.5 }), CryptoConfigError);
});

t.test('8 parallel verifies complete on a bounded pool; FIFO order on one worker', async (t) => {
  const hasher = withHasher(t, createPasswordHasher({ cost: 6, poolSize: 2 }));
  const hash = await hasher.hash('secret-1');
  const inputs = ['secret-1', 'nope', 'secret-1', 'secret-2', 'secret-1', '', 'secret-1', 'SECRET-1'];
  const results = await Promise.all(inputs.map((p) => hasher.verify(p, hash)));
  t.same(results, inputs.map((p) => p === 'secret-1'));
  t.ok(hasher.stats().workers <= 2, 'never more workers than poolSize');
  t.same(hasher.stats(), { workers: hasher.stats().workers, busy: 0, queued: 0, verifications: 8 });

  const single = withHasher(t, createPasswordHasher({ cost: 4, poolSize: 1 }));
  const order: number[] = [];
  const jobs = [0, 1, 2, 3, 4, 5].map((i) => single.hash(`p${i}`).then(() => order.push(i)));
  t.equal(single.stats().queued, 5, 'one running, five queued');
  await Promise.all(jobs);
  t.same(order, [0, 1, 2, 3, 4, 5]);
});

t.test('parallel vs serial (measured, not asserted)', async (t) => {
  const cores = availableParallelism();
  const hasher = withHasher(t, createPasswordHasher({ cost: 8, poolSize: cores }));
  const hash = await hasher.hash('measure');
  await Promise.all(Array.from({ length: cores }, () => hasher.verify('measure', hash))); // warm all workers
  let start = performance.now();
  for (let i = 0; i < 8; i += 1) t.ok(await hasher.verify('measure', hash));
  const serial = performance.now() - start;
  start = performance.now();
  const all = await Promise.all(Array.from({ length: 8 }, () => hasher.verify('measure', hash)));
  const parallel = performance.now() - start;
  t.ok(all.every(Boolean));
  t.comment(`8 verifies at cost 8 on ${cores} cores: serial ${serial.toFixed(0)} ms, pool ${parallel.toFixed(0)} ms`);
});

t.test('event loop stays responsive while 6 hashes at cost 10 run', async (t) => {
  // Measured as the main thread's event-loop utilisation over the run, not as the longest gap
  // between timer ticks: a loaded machine deschedules this thread at random (the gap then measures
  // the machine), but time descheduled while waiting counts as idle. Hashing on the event loop
  // would keep it busy for the whole run (utilisation near 1).
  const hasher = withHasher(t, createPasswordHasher({ cost: 10 }));
  let ticks = 0;
  const timer = setInterval(() => (ticks += 1), 10);
  const before = loopPerformance.eventLoopUtilization();
  const start = performance.now();
  const hashes = await Promise.all(Array.from({ length: 6 }, (_, i) => hasher.hash(`pw-${i}`)));
  const elapsed = performance.now() - start;
  const used = loopPerformance.eventLoopUtilization(before);
  clearInterval(timer);
  for (const h of hashes) t.match(h, /^\$2b\$10\$/);
  t.ok(await hasher.verify('pw-3', hashes[3] ?? ''));
  t.ok(ticks >= 3, `the interval kept firing (${ticks} ticks in ${elapsed.toFixed(0)} ms)`);
  t.ok(used.utilization < 0.5, `the event loop was busy ${(used.utilization * 100).toFixed(1)} % of the ${elapsed.toFixed(0)} ms (< 50 %)`);
});

t.test('a crashed worker fails only its job and is replaced', async (t) => {
  const started: Worker[] = [];
  // Cost 12 (~0.3 s a hash) so the job is surely still running when its worker dies.
  const hasher = withHasher(t, createPasswordHasher({ cost: 12, poolSize: 1, onWorkerStart: (w) => started.push(w) }));
  const slow = hasher.hash('slow');
  const slowRejected = t.rejects(slow, PasswordHasherError, 'in-flight job rejected');
  const queued = hasher.hash('queued');
  t.equal(started.length, 1, 'worker started on demand');
  await started[0]?.terminate();
  await slowRejected;
  t.match(await queued, /^\$2b\$12\$/, 'queued job runs on the replacement');
  t.equal(started.length, 2, 'a new worker was started');
  t.equal(await hasher.verify('queued', await queued), true);
});

t.test('close rejects pending work and later calls; is idempotent', async (t) => {
  const hasher = createPasswordHasher({ cost: 8, poolSize: 1 });
  const running = hasher.hash('a');
  const waiting = hasher.hash('b');
  const closing = hasher.close();
  await Promise.all([t.rejects(waiting, PasswordHasherError), t.rejects(running, PasswordHasherError), closing]);
  await t.rejects(hasher.hash('c'), PasswordHasherError);
  await t.rejects(hasher.verifyAgainstDummy('c'), PasswordHasherError);
  await hasher.close();
  t.same(hasher.stats(), { workers: 0, busy: 0, queued: 0, verifications: 0 });
});
