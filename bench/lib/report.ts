// The bench's report: one table row per scenario and WORKERS value (provider CPU per request next
// to both references), the issue's targets marked met or not, facts, and the profile summaries.

import type { ProfileSummary } from '../profile-summary.js';
import { fmt, type machine, type Row, type Target } from './context.js';

export function cpuPerRequest(row: Row): string {
  if (!row.cpu || row.unit === 'verifications/s' || row.perSecond <= 0) return '–';
  const ms = (cores: number, rate: number) => fmt((cores / rate) * 1000, 2);
  const onPg = row.referencePgCpu && row.referencePg ? `; on PostgreSQL ${ms(row.referencePgCpu.providerCores, row.referencePg)} + ${ms(row.referencePgCpu.postgresCores, row.referencePg)}` : '';
  const ref = row.referenceCpu && row.reference && row.unit === 'req/s' ? ` (${ms(row.referenceCpu.providerCores, row.reference)}${onPg})` : '';
  return `${ms(row.cpu.providerCores, row.perSecond)} + ${ms(row.cpu.postgresCores, row.perSecond)}${ref}`;
}

export interface Report {
  run: { startedAt: string; durationSec: number; warmupSec: number; connections: number; workers: number[] };
  machine: ReturnType<typeof machine>;
  rows: Row[];
  targets: Target[];
  facts: Record<string, unknown>;
  profiles: Record<string, ProfileSummary>;
}

export function renderMarkdown(r: Report): string {
  const m = r.machine;
  const perSignIn = (label: string, v: unknown) => {
    const x = v as { queriesPerSignIn: number; rowsWrittenPerSignIn: number; requestsPerSignIn: number } | undefined;
    return x ? [`- Per ${label}: ${fmt(x.queriesPerSignIn)} database round trips, ${fmt(x.rowsWrittenPerSignIn)} rows written, ${fmt(x.requestsPerSignIn)} HTTP requests.`] : [];
  };
  const stored = r.facts.storedTokens as { beforeGrowth: number; afterGrowth: number } | undefined;
  const dbBytes = r.facts.databaseBytesAfterGrowth as number | undefined;
  const lines = [
    `### Benchmark ${r.run.startedAt.slice(0, 16).replace('T', ' ')} UTC`,
    '',
    `Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, Node ${m.node}, PostgreSQL ${m.postgres}, ${m.os}; commit ${m.commit}. ` +
      `Provider, PostgreSQL and load generators on the same machine; ${r.run.connections} connections (or concurrent citizens), ` +
      `${r.run.warmupSec} s warm-up + ${r.run.durationSec} s measured per scenario; WORKERS ${r.run.workers.join(' and ')}.`,
    '',
    '| scenario | WORKERS | per second | p50 ms | p99 ms | errors | reference /s | ratio | reference on PostgreSQL /s | ratio | DB round trips / request | CPU ms / request: provider + PostgreSQL (reference; reference on PostgreSQL) | CPU cores: provider + PostgreSQL + load gen | foreign cores (ours / reference) |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...r.rows.map(
      (row) =>
        `| ${row.scenario} | ${row.workers ?? '–'} | ${fmt(row.perSecond, row.perSecond < 100 ? 2 : 0)} ${row.unit} | ${fmt(row.p50, 0)} | ${fmt(row.p99, 0)}${row.stepP99 ? ` (steps ${fmt(row.stepP99, 0)}${row.hashStepP99 ? `; password step ${fmt(row.hashStepP99, 0)}` : ''})` : ''} | ${row.errors} | ${fmt(row.reference, row.reference !== null && row.reference < 100 ? 2 : 0)} | ${row.ratio === null ? '–' : `${fmt(row.ratio, 2)}×`} | ${row.referencePg === undefined ? '–' : fmt(row.referencePg, 0)} | ${row.ratioPg === undefined ? '–' : `${fmt(row.ratioPg, 2)}×`} | ${fmt(row.queriesPerRequest)} | ${cpuPerRequest(row)} | ${row.cpu ? `${fmt(row.cpu.providerCores, 2)} + ${fmt(row.cpu.postgresCores, 2)} + ${fmt(row.cpu.loadGeneratorCores, 2)}` : '–'} | ${row.cpu ? fmt(row.cpu.foreignCores, 2) : '–'}${row.referenceCpu ? ` / ${fmt(row.referenceCpu.foreignCores, 2)}` : ''} |`,
    ),
    '',
    ...(r.rows.some((row) => (row.cpu?.foreignCores ?? 0) > 0.2 || (row.referenceCpu?.foreignCores ?? 0) > 0.2)
      ? [`**The machine was shared**: processes outside the bench used the CPU shown as "foreign" (in cores, of ${m.cores}) during some scenarios; those numbers are lower than on a quiet machine.`, '']
      : []),
    '| target | measured | |',
    '|---|---|---|',
    ...r.targets.map((t) => `| ${t.target} | ${t.measured} | ${t.met ? 'met' : '**not met**'} |`),
    '',
    ...perSignIn('password sign-in', r.facts.perPasswordSignIn),
    ...perSignIn('SMS-code sign-in', r.facts.perSmsSignIn),
    ...((steps) => (steps ? steps.map((s) => `- Import up to ${s.imported.toLocaleString('en')} imported accounts (\`importAccounts\`, in the bench process, batches of 1000): ${s.perSecond} accounts/s.`) : []))(
      r.facts.importSteps as Array<{ imported: number; perSecond: number }> | undefined,
    ),
    ...(stored ? [`- Stored tokens (oidc_payloads rows): ${stored.beforeGrowth} before the growth step, ${stored.afterGrowth} after.`] : []),
    ...(dbBytes ? [`- Database size after growth: ${fmt(dbBytes / 1024 ** 2, 0)} MiB.`] : []),
    ...((p) => (p ? [`- One purge run at that size (batches of ${p.batchSize}, at most ${p.maxBatchesPerRun}): ${p.oidcRowsDeleted} expired oidc rows of ${p.expiredSeeded} deleted in ${p.ms} ms.`] : []))(
      r.facts.purgeAfterGrowth as { ms: number; oidcRowsDeleted: number; expiredSeeded: number; batchSize: number; maxBatchesPerRun: number } | undefined,
    ),
    ...(typeof r.facts.providerPeakRssMiB === 'number' && r.facts.providerPeakRssMiB > 0 ? [`- Provider peak RSS (all processes of the node): ${r.facts.providerPeakRssMiB} MiB.`] : []),
  ];
  for (const [name, p] of Object.entries(r.profiles)) {
    lines.push(
      '',
      `Profile of the provider during the ${name} (node --cpu-prof, ${fmt(p.wallMs / 1000)} s, main thread busy ${fmt(p.busyFraction * 100, 0)} %), self time by area:`,
      '',
      ...p.areas.slice(0, 10).map((a) => `- ${a.area}: ${fmt(a.share * 100)} %`),
      '',
      'Top functions (self time):',
      '',
      ...p.topFunctions.slice(0, 10).map((f) => `- ${fmt(f.share * 100)} % ${f.frame}`),
      ...((p.nativeCallers ?? []).length > 0 ? ['', 'Native functions by their nearest caller outside node\'s internals:', ''] : []),
      ...(p.nativeCallers ?? []).map((n) => `- ${n.native} ${fmt(n.share * 100)} %: ${n.callers.map((c) => `${c.area} ${fmt(c.share * 100)} %`).join(', ')}`),
    );
  }
  return `${lines.join('\n')}\n`;
}
