// Shared by the sign-in scenarios: a timed storm of complete sign-ins from a separate process with
// the event-loop delay the provider saw, and a counted batch for round trips and rows per sign-in.

import { fmt, settledWriteCounters, type Bench, type ProviderUnderTest, type Row, type SignInLoad, type Target } from '../lib/context.js';
import { seededPhone } from '../lib/seed.js';

export const phones = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => seededPhone(from + k));

export const timed = (bench: Bench) => ({ concurrency: bench.options.connections, warmupMs: bench.options.warmupSec * 1000, durationMs: bench.options.durationSec * 1000 });

export async function storm(bench: Bench, provider: ProviderUnderTest, name: string, job: SignInLoad) {
  await provider.scrape(); // resets the event-loop delay histogram (prom-client resets it on every collect)
  const r = await bench.metered(provider.pids, () => bench.signIns(name, job));
  const after = await provider.scrape();
  const eventLoopP99Ms = (after.get('nodejs_eventloop_lag_p99_seconds') ?? 0) * 1000;
  bench.log(
    `  ${name} (WORKERS=${provider.workers}): ${fmt(r.perSecond, 2)} sign-ins/s, p99 ${fmt(r.p99, 0)} ms (steps ${fmt(r.stepP99, 0)}${r.hashStepP99 === null ? '' : `, password step ${fmt(r.hashStepP99, 0)}`}), provider ${fmt(r.cpu.providerCores, 2)} + pg ${fmt(r.cpu.postgresCores, 2)} + load ${fmt(r.cpu.loadGeneratorCores, 2)} cores, foreign ${fmt(r.cpu.foreignCores, 2)}; errors ${r.errors} ${r.errorSamples.join(' | ')}${r.exhausted ? ' (ran out of numbers)' : ''}`,
  );
  return { ...r, eventLoopP99Ms };
}

/** Round trips and rows written per sign-in: a counted batch at low concurrency. */
export async function counted(bench: Bench, provider: ProviderUnderTest, name: string, job: SignInLoad) {
  const n = job.count ?? 0;
  const before = { queries: (await provider.scrape()).get('jsrs_db_queries_total') ?? 0, writes: await settledWriteCounters(bench.database.db) };
  const r = await bench.signIns(name, job);
  const queries = ((await provider.scrape()).get('jsrs_db_queries_total') ?? 0) - before.queries;
  const writes = (await settledWriteCounters(bench.database.db)) - before.writes;
  if (r.errors > 0) throw new Error(`${name}: ${r.errors} errors: ${r.errorSamples.join(' | ')}`);
  const out = { signIns: r.completed, queriesPerSignIn: queries / n, rowsWrittenPerSignIn: writes / n, requestsPerSignIn: r.requests / n };
  bench.log(`  ${name}: ${fmt(out.queriesPerSignIn)} queries, ${fmt(out.rowsWrittenPerSignIn)} rows written, ${fmt(out.requestsPerSignIn)} HTTP requests per sign-in`);
  return out;
}

/** The report row of a storm of sign-ins (no reference of its own: targets compare it to others). */
export function signInRow(scenario: string, workers: number, r: Awaited<ReturnType<typeof storm>>, extra: Pick<Row, 'queriesPerRequest' | 'note'>): Row {
  return {
    scenario,
    workers,
    unit: 'sign-ins/s',
    perSecond: r.perSecond,
    p50: r.p50,
    p99: r.p99,
    stepP99: r.stepP99,
    hashStepP99: r.hashStepP99,
    errors: r.errors,
    reference: null,
    ratio: null,
    cpu: r.cpu,
    eventLoopP99Ms: r.eventLoopP99Ms,
    ...extra,
  };
}

/**
 * The target "a sign-in row's rate within 10 % of the 1,000-account rate (WORKERS=1)", used by growth
 * and the imported accounts. It asks that more data cost no more than 10 %: a rate above the small
 * one (more data cannot speed a sign-in up; the machine's spread can) meets it, one below by more
 * than 10 % does not.
 */
export function withinTenPercentOfSmall(target: string, row: Row, all: Row[]): Target {
  const small = all.find((r) => r.workers === 1 && r.scenario.startsWith('password sign-ins (1,000'));
  const growth = small ? row.perSecond / small.perSecond : NaN;
  return {
    target,
    measured: `${fmt(row.perSecond, 2)} vs ${fmt(small?.perSecond, 2)}/s (${growth >= 1 ? '+' : ''}${fmt((growth - 1) * 100)} %)`,
    met: growth >= 0.9,
  };
}
