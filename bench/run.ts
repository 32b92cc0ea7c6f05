// `npm run bench`: the provider measured side by side with what its stack can do, in one run on one
// machine (issues 7 and 14). Builds, creates a fresh PostgreSQL database, starts the upstreams, the
// bare reference providers and our provider (compiled, NODE_ENV=production) as separate processes,
// seeds accounts, and runs each scenario of bench/scenarios/ in order — the provider ones with
// WORKERS=1 and WORKERS=2 — then prints one table with the targets marked and writes
// bench/results/latest.*. Everything it starts is stopped and the database dropped, also on failure.
//
// Options: --no-build (use the existing dist/), --no-profile (skip the --cpu-prof pass),
//          --duration=SECONDS (measured seconds per scenario, default 10), --connections=N (default 10),
//          --workers=1,2 (WORKERS values, default 1,2), --only=userinfo,sms-signins (scenario files),
//          --profiles=userinfo,password-storm,sms-storm (which CPU profiles the profiles scenario takes;
//          client-credentials is also known),
//          --growth-accounts=N (accounts the growth scenario grows the database to, default 1,000,000),
//          --imported-accounts=N,M (imported accounts the imported-signins scenario imports up to, in
//          steps, default 100000,1000000),
//          --keep-db. BENCH_ADMIN_URL: a PostgreSQL URL to create the database from
//          (default postgres://postgres@127.0.0.1:5432/test).

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { machine, procStatus, type BenchOptions, type ProviderUnderTest, type Row, type Scenario, type Target } from './lib/context.js';
import { killAllNow, stopAll } from './lib/procs.js';
import { renderMarkdown } from './lib/report.js';
import { setUpBench } from './lib/setup.js';
import clientCredentials from './scenarios/client-credentials.js';
import discovery from './scenarios/discovery.js';
import growth from './scenarios/growth.js';
import hashBound from './scenarios/hash-bound.js';
import importedSignIns from './scenarios/imported-signins.js';
import introspection from './scenarios/introspection.js';
import jwks from './scenarios/jwks.js';
import passwordSignIns from './scenarios/password-signins.js';
import profiles from './scenarios/profiles.js';
import refresh from './scenarios/refresh.js';
import smsSignIns from './scenarios/sms-signins.js';
import userinfo from './scenarios/userinfo.js';

/** In order: consecutive `node` scenarios share one provider per WORKERS value. */
const scenarios: Scenario[] = [hashBound, discovery, jwks, clientCredentials, introspection, userinfo, refresh, passwordSignIns, importedSignIns, growth, smsSignIns, profiles];

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const args = process.argv.slice(2);
const flag = (name: string) => args.includes(`--${name}`);
const option = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
const options: BenchOptions = {
  durationSec: Number(option('duration') ?? 10),
  warmupSec: 3,
  connections: Number(option('connections') ?? 10),
  workers: (option('workers') ?? '1,2').split(',').map(Number),
  only: option('only') ? new Set((option('only') as string).split(',')) : undefined,
  profile: !flag('no-profile'),
  growthAccounts: Number(option('growth-accounts') ?? 1_000_000),
  importedAccounts: (option('imported-accounts') ?? '100000,1000000').split(',').map(Number),
  profiles: new Set((option('profiles') ?? 'userinfo,password-storm,sms-storm').split(',')),
};
const deadlineMs = 45 * 60_000;

const runStarted = new Date();
const stamp = runStarted.toISOString().replace(/[-:T]/g, '').slice(0, 14);
const tmp = mkdtempSync(join(os.tmpdir(), `jsrs-bench-${stamp}-`));
const adminUrl = process.env.BENCH_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const dbName = `jsrs_bench_${stamp}`;
const dbUrl = (() => {
  const u = new URL(adminUrl);
  u.pathname = `/${dbName}`;
  return u.toString();
})();

const log = (message: string) => process.stdout.write(`[bench ${((Date.now() - runStarted.getTime()) / 1000).toFixed(0).padStart(4)}s] ${message}\n`);

// ---------------------------------------------------------------- cleanup, whatever happens
let dbCreated = false;
let cleaning: Promise<void> | undefined;
async function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    await stopAll().catch(() => undefined);
    if (dbCreated && !flag('keep-db')) {
      const admin = new pg.Client({ connectionString: adminUrl });
      try {
        await admin.connect();
        await admin.query(`drop database if exists ${dbName} with (force)`);
        log(`dropped database ${dbName}`);
      } catch (err) {
        process.stderr.write(`could not drop ${dbName}: ${(err as Error).message}\n`);
      } finally {
        await admin.end().catch(() => undefined);
      }
    }
  })();
  return cleaning;
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    log(`${signal}: stopping`);
    void cleanup().finally(() => process.exit(130));
  });
}
process.on('exit', killAllNow);
const deadline = setTimeout(() => {
  log(`deadline of ${deadlineMs / 60000} min exceeded: stopping`);
  void cleanup().finally(() => process.exit(2));
}, deadlineMs);

// ---------------------------------------------------------------- the run
async function main(): Promise<void> {
  const { durationSec, warmupSec, connections } = options;
  log(`run ${stamp}: ${durationSec}s per scenario after ${warmupSec}s warm-up, ${connections} connections / concurrent citizens, WORKERS ${options.workers.join(' and ')}; logs in ${tmp}`);
  if (!flag('no-build')) {
    log('building (tsc -p tsconfig.build.json)');
    execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
  }
  const wanted = (s: Scenario) => !options.only || options.only.has(s.id);
  const needsReferences = scenarios.some((s) => wanted(s) && s.usesReferences === true);
  const { bench, pgVersion, quietWaits, stopReferences } = await setUpBench({
    root, tmp, options, log, adminUrl, dbName, dbUrl, needsReferences,
    onDatabaseCreated: () => {
      dbCreated = true;
    },
  });
  const { database } = bench;
  let rssPeak = 0;

  // ------------------------------------------------ the scenarios, in order
  const rows: Row[] = [];
  const rowsOf = new Map<Scenario, Row[]>();
  const record = (s: Scenario, produced: Row[]) => {
    rows.push(...produced);
    rowsOf.set(s, [...(rowsOf.get(s) ?? []), ...produced]);
  };
  const selected = scenarios.filter(wanted);
  for (let i = 0; i < selected.length; ) {
    const s = selected[i] as Scenario;
    if (s.needs === 'alone') {
      log(`scenario ${s.id}`);
      record(s, await s.run(bench, undefined));
      i += 1;
      continue;
    }
    // A group of consecutive provider scenarios: one provider per WORKERS value.
    let end = i;
    while (end < selected.length && selected[end]?.needs === 'node') end += 1;
    const group = selected.slice(i, end);
    for (const workers of options.workers) {
      const provider: ProviderUnderTest = await bench.startProvider(workers);
      const sampler = setInterval(() => {
        rssPeak = Math.max(rssPeak, provider.pids().reduce((sum, p) => sum + procStatus(p, 'VmRSS'), 0));
      }, 250);
      try {
        for (const g of group) {
          log(`scenario ${g.id} (WORKERS=${workers})`);
          record(g, await g.run(bench, provider));
        }
      } finally {
        clearInterval(sampler);
        await provider.started.stop();
      }
    }
    i = end;
    // The references serve only the endpoint scenarios, which all come first.
    await stopReferences();
  }
  await stopReferences();
  bench.facts.providerPeakRssMiB = Math.round(rssPeak / 1024 / 1024);

  // ------------------------------------------------ targets, table, files
  const targets: Target[] = [];
  for (const s of selected) targets.push(...(s.targets?.(rowsOf.get(s) ?? [], rows) ?? []));
  const endpointRows = rows.filter((r) => r.unit === 'req/s' || r.stepP99 !== undefined);
  if (endpointRows.length > 0) {
    const p99s = endpointRows.map((r) => ({ name: `${r.scenario}${r.stepP99 !== undefined ? ' (steps)' : ''} WORKERS=${r.workers}`, p99: r.stepP99 ?? r.p99 ?? 0 }));
    const worst = p99s.reduce((a, b) => (b.p99 > a.p99 ? b : a));
    targets.push({ target: 'p99 < 100 ms for every non-hash request (sign-ins: per HTTP request, the password step left out)', measured: `worst: ${worst.name} ${worst.p99.toFixed(0)} ms`, met: p99s.every((p) => p.p99 < 100) });
  }
  const totalErrors = rows.reduce((sum, r) => sum + r.errors, 0);
  targets.push({ target: 'no errors', measured: `${totalErrors}`, met: totalErrors === 0 });

  const result = {
    run: { startedAt: runStarted.toISOString(), finishedAt: new Date().toISOString(), durationSec, warmupSec, connections, workers: options.workers, only: options.only ? [...options.only] : 'all', quietWaitsMs: quietWaits },
    machine: machine(root, pgVersion),
    setup: {
      provider: 'dist/src/main.js, NODE_ENV=production, LOG_LEVEL=info (to a file), PostgreSQL, DB_POOL_MAX 10 per process, bcrypt cost 10, hash pool = cores per node',
      reference: `bare oidc-provider ${JSON.parse(readFileSync(join(root, 'node_modules/oidc-provider/package.json'), 'utf8')).version as string} with its in-memory adapter, and with a textbook PostgreSQL adapter; same clients/claims/keys`,
      accounts: { small: bench.smallAccounts, seeded: bench.accounts() },
    },
    rows,
    targets,
    facts: bench.facts,
    profiles: bench.profiles,
    logs: tmp,
  };
  const md = renderMarkdown(result);
  process.stdout.write(`\n${md}\n`);
  if (options.only) {
    log('--only: a partial run, bench/results/ left as it was');
  } else {
    const resultsDir = join(root, 'bench/results');
    mkdirSync(resultsDir, { recursive: true });
    writeFileSync(join(resultsDir, 'latest.json'), `${JSON.stringify(result, null, 2)}\n`);
    writeFileSync(join(resultsDir, 'latest.md'), md);
    log('wrote bench/results/latest.json and bench/results/latest.md');
  }
  await database.close();
}

try {
  await main();
  clearTimeout(deadline);
  await cleanup();
  process.exit(0);
} catch (err) {
  process.stderr.write(`bench failed: ${(err as Error).stack ?? String(err)}\n(logs in ${tmp})\n`);
  clearTimeout(deadline);
  await cleanup();
  process.exit(1);
}
