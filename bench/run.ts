// `npm run bench`: the provider measured side by side with what its stack can do, in one run on one
// machine (issue 7). Builds, creates a fresh PostgreSQL database, starts the upstreams, the bare
// reference provider and our provider (compiled, NODE_ENV=production) as separate processes, seeds
// accounts, drives load from separate processes, prints one table and writes bench/results/latest.*.
// Everything it starts is stopped and the database dropped, also on failure. See docs/performance.md.
//
// Options: --no-build (use the existing dist/), --no-profile (skip the --cpu-prof pass),
//          --duration=SECONDS (measured seconds per scenario, default 10), --connections=N (default 10),
//          --keep-db, --endpoints-only (the six single-request scenarios, printed, nothing written).
//          BENCH_ADMIN_URL: a PostgreSQL URL to create the database from
//          (default postgres://postgres@127.0.0.1:5432/test).

import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import bcrypt from 'bcryptjs';
import { sql } from 'kysely';
import pg from 'pg';
import { loadConfig } from '../src/config/load.js';
import { connectDatabase, type Database } from '../src/db/connect.js';
import { migrateToLatest } from '../src/db/migrator.js';
import { createLogger } from '../src/log/logger.js';
import { createSecrets } from '../src/services/secrets.js';
import { cpuMeter, waitForQuiet, type CpuWindow } from './lib/cpu.js';
import { HttpClient } from './lib/http.js';
import { freePort, killAllNow, runForResult, startProcess, stopAll, waitForHttp, type Started } from './lib/procs.js';
import { passwordSignIn, type RelyingParty, type Tokens } from './lib/signin.js';
import { seedAccounts, seedCaptchas, seededPhone, seedStoredTokens } from './lib/seed.js';
import type { SignInJob } from './load-signin.js';
import { summariseProfile, type ProfileSummary } from './profile-summary.js';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const args = process.argv.slice(2);
const flag = (name: string) => args.includes(`--${name}`);
const option = (name: string, fallback: number) => {
  const raw = args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
  return raw ? Number(raw) : fallback;
};
const durationSec = option('duration', 10);
const warmupSec = 3;
const connections = option('connections', 10);
const signInConcurrency = connections;
const smallAccounts = 1000;
const largeAccounts = 100_000;
const password = 'Bench#2026pass';
const captchaAnswer = 'bench';
const deadlineMs = 20 * 60_000;

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

const log = (message: string) => process.stdout.write(`[bench ${((Date.now() - runStarted.getTime()) / 1000).toFixed(0).padStart(3)}s] ${message}\n`);

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

// ---------------------------------------------------------------- result types
interface HttpResult {
  cpuSeconds: number;
  warmupTotal: number;
  cpu?: CpuWindow;
  requestsPerSecond: number;
  total: number;
  p50: number;
  p99: number;
  errors: number;
  statusCodes: Record<string, { count: number }>;
}
interface SignInResult {
  cpuSeconds: number;
  cpu?: CpuWindow;
  completed: number;
  perSecond: number;
  p50: number;
  p99: number;
  stepP50: number;
  stepP99: number;
  requests: number;
  errors: number;
  errorSamples: string[];
  exhausted: boolean;
}
interface Row {
  scenario: string;
  unit: 'req/s' | 'sign-ins/s' | 'verifications/s';
  perSecond: number;
  p50: number | null;
  p99: number | null;
  /** p99 of the individual HTTP requests inside a sign-in. */
  stepP99?: number | null;
  errors: number;
  reference: number | null;
  ratio: number | null;
  /** The bare provider on PostgreSQL (textbook adapter) and our ratio to it, for single-request scenarios. */
  referencePg?: number;
  ratioPg?: number;
  /** Database round trips per request (Kysely log hook), for single-request scenarios. */
  queriesPerRequest?: number;
  /** CPU in cores during our measurement: provider, PostgreSQL, load generator, processes outside the bench. */
  cpu?: CpuWindow;
  referenceCpu?: CpuWindow;
  referencePgCpu?: CpuWindow;
  note?: string;
}
interface Target {
  target: string;
  measured: string;
  met: boolean;
}

// ---------------------------------------------------------------- helpers
function machine(pgVersion: string) {
  const cpus = os.cpus();
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src', 'migrations', 'views', 'config'], { cwd: root, encoding: 'utf8' }).trim();
    if (dirty) commit += ' (+ uncommitted changes in src/)';
  } catch {
    // not a git checkout
  }
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: os.availableParallelism(),
    memoryGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    postgres: pgVersion,
    os: `${os.type()} ${os.release()}`,
    commit,
  };
}

function parseMetrics(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (match && !match[2]) out.set(match[1] as string, Number(match[3]));
  }
  return out;
}

async function scrape(base: string): Promise<Map<string, number>> {
  const res = await fetch(`${base}/metrics`);
  return parseMetrics(await res.text());
}

function procStatus(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1];
    return kb ? Number(kb) * 1024 : 0;
  } catch {
    return 0;
  }
}

async function writeCounters(db: Database['db']): Promise<number> {
  const result = await sql<{ n: string }>`select coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0)::text as n from pg_stat_user_tables`.execute(db);
  return Number(result.rows[0]?.n ?? 0);
}

/** Table write counters once PostgreSQL has flushed every backend's pending statistics. */
/**
 * pg_stat_user_tables' write counters once every backend has reported: PostgreSQL 15 flushes a
 * busy backend's counts at most once a second and an idle one's after 10 s, so the value must
 * stay unchanged for 11 s (read every 1.5 s, at most 60 s in all).
 */
async function settledWriteCounters(db: Database['db']): Promise<number> {
  const started = Date.now();
  let last = -1;
  let changedAt = Date.now();
  while (Date.now() - started < 60_000) {
    await sql`select pg_stat_clear_snapshot()`.execute(db);
    const now = await writeCounters(db);
    if (now !== last) {
      last = now;
      changedAt = Date.now();
    } else if (Date.now() - changedAt >= 11_000) {
      return now;
    }
    await new Promise((r) => setTimeout(r, 1500));
  }
  return last;
}

const fmt = (n: number | null | undefined, digits = 1) => (n === null || n === undefined || Number.isNaN(n) ? '–' : n.toFixed(digits));

// ---------------------------------------------------------------- the run
async function main(): Promise<void> {
  log(`run ${stamp}: ${durationSec}s per scenario after ${warmupSec}s warm-up, ${connections} connections / concurrent citizens; logs in ${tmp}`);

  if (!flag('no-build')) {
    log('building (tsc -p tsconfig.build.json)');
    execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
  }

  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  const pgVersion = ((await admin.query<{ server_version: string }>('show server_version')).rows[0]?.server_version ?? 'unknown').split(' ')[0] ?? 'unknown';
  await admin.query(`create database ${dbName}`);
  dbCreated = true;
  await admin.end();
  log(`created database ${dbName} (PostgreSQL ${pgVersion})`);

  // Secrets and settings shared by the provider and the seeding code.
  const encryptionKey = `k1:${randomBytes(32).toString('base64url')}`;
  const cookieKey = randomBytes(32).toString('base64url');
  const registryApp = { appKey: 'bench', appSecret: randomBytes(24).toString('base64url'), apiKey: randomBytes(16).toString('hex') };
  const rp: RelyingParty = { clientId: 'bench-rp', clientSecret: randomBytes(32).toString('base64url'), redirectUri: 'https://rp.bench.test/callback', scope: 'openid profile phone' };
  const cc = { clientId: 'bench-cc', clientSecret: randomBytes(32).toString('base64url') };
  const clients = [
    {
      client_id: rp.clientId,
      client_secret: rp.clientSecret,
      client_name: '压测业务系统 (bench)',
      redirect_uris: [rp.redirectUri],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      first_party: true,
      required_level: 'registered',
    },
    {
      client_id: cc.clientId,
      client_secret: cc.clientSecret,
      client_name: 'bench service account',
      redirect_uris: [],
      grant_types: ['client_credentials'],
      response_types: [],
      token_endpoint_auth_method: 'client_secret_basic',
    },
  ];
  const clientsFile = join(tmp, 'clients.json');
  writeFileSync(clientsFile, JSON.stringify(clients, null, 2));
  const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
  const form = { 'content-type': 'application/x-www-form-urlencoded' };

  const httpScenario = (name: string, url: string, request: { method?: string; headers?: Record<string, string>; body?: string } = {}) =>
    runForResult<HttpResult>(name, join(root, 'bench/load-http.ts'), JSON.stringify({ url, connections, durationSec, warmupSec, ...request }), {
      cwd: root,
      logDir: tmp,
      timeoutMs: (durationSec + warmupSec + 30) * 1000,
    });

  const quietWaits: number[] = [];
  /** Runs `run` while metering CPU of `pids`, after waiting (bounded) for the machine to be quiet. */
  const metered = async <T extends { cpuSeconds: number }>(pids: number[], run: () => Promise<T>): Promise<T & { cpu: CpuWindow }> => {
    const quiet = await waitForQuiet(5_000);
    quietWaits.push(quiet.waitedMs);
    const window = cpuMeter(() => pids).start();
    const r = await run();
    return { ...r, cpu: window.stop(r.cpuSeconds) };
  };

  const endpointScenarios = (base: string, tokens: { accessToken: string; refreshToken: string; ccToken?: string }) => [
    { name: 'discovery', run: () => httpScenario('load-discovery', `${base}/.well-known/openid-configuration`) },
    { name: 'JWKS', run: () => httpScenario('load-jwks', `${base}/jwks`) },
    {
      name: 'client credentials',
      run: () => httpScenario('load-cc', `${base}/token`, { method: 'POST', headers: { ...form, authorization: basic(cc.clientId, cc.clientSecret) }, body: 'grant_type=client_credentials' }),
    },
    {
      name: 'introspection',
      run: () =>
        httpScenario('load-introspection', `${base}/token/introspection`, {
          method: 'POST',
          headers: { ...form, authorization: basic(rp.clientId, rp.clientSecret) },
          body: `token=${tokens.accessToken}&token_type_hint=access_token`,
        }),
    },
    { name: 'userinfo', run: () => httpScenario('load-userinfo', `${base}/me`, { headers: { authorization: `Bearer ${tokens.accessToken}` } }) },
    {
      name: 'refresh',
      run: () =>
        httpScenario('load-refresh', `${base}/token`, {
          method: 'POST',
          headers: { ...form, authorization: basic(rp.clientId, rp.clientSecret) },
          body: `grant_type=refresh_token&refresh_token=${tokens.refreshToken}`,
        }),
    },
  ];

  // ------------------------------------------------ 1. the reference: bare oidc-provider, in memory
  // It stays up for the whole run: each endpoint scenario is measured on it right before ours, so a
  // busy moment on a shared machine hits both sides alike.
  log('reference: starting the bare oidc-provider (in-memory adapter)');
  const reference = await startProcess(
    'reference-provider',
    process.execPath,
    ['--import', 'tsx', join(root, 'bench/reference-provider.ts'), JSON.stringify({ issuer: 'https://reference.bench.test', clients, cookieKey })],
    { cwd: root, logDir: tmp, wantReady: true, env: { ...process.env, NODE_ENV: 'production' } },
  );
  const refBase = String(reference.ready.url);
  const referencePid = reference.child.pid ?? 0;

  // ------------------------------------------------ 3. upstreams, database, seed
  const upstreams = await startProcess('upstreams', process.execPath, ['--import', 'tsx', join(root, 'bench/upstreams.ts'), JSON.stringify(registryApp)], {
    cwd: root,
    logDir: tmp,
    wantReady: true,
  });
  const upstreamUrl = String(upstreams.ready.url);

  const port = await freePort();
  const issuer = `https://127.0.0.1:${port}`;
  const base = `http://127.0.0.1:${port}`;
  const providerEnv: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: 'production',
    PORT: String(port),
    ISSUER: issuer,
    LOG_LEVEL: 'info',
    DATABASE_URL: dbUrl,
    ENCRYPTION_KEY: encryptionKey,
    COOKIE_KEYS: cookieKey,
    CLIENTS_FILE: clientsFile,
    SMS_DRIVER: 'http',
    SMS_URL: `${upstreamUrl}/sms`,
    SMS_API_KEY: registryApp.apiKey,
    REGISTRY_DRIVER: 'http',
    REGISTRY_URL: `${upstreamUrl}/verify`,
    REGISTRY_APP_KEY: registryApp.appKey,
    REGISTRY_APP_SECRET: registryApp.appSecret,
  };
  const config = loadConfig({ env: providerEnv });
  const logger = createLogger('warn');
  const secrets = createSecrets(config, logger);
  const database = await connectDatabase({ databaseUrl: dbUrl, dataDir: tmp, logger });
  await migrateToLatest(database.db as never, logger);
  const passwordHash = bcrypt.hashSync(password, config.security.bcryptCost);
  log(`seeding ${smallAccounts} accounts (one shared bcrypt hash, cost ${config.security.bcryptCost}) and captchas`);
  await seedAccounts(database.db, secrets, passwordHash, 0, smallAccounts);
  const captchas = await seedCaptchas(database.db, secrets.keyring.current.keys.otp, captchaAnswer, 24_000, 3600);
  await sql`analyze`.execute(database.db);

  // The same bare provider with a textbook PostgreSQL adapter on the bench database: what
  // oidc-provider on PostgreSQL does with nothing of ours around it.
  log('reference: starting the bare oidc-provider on PostgreSQL (textbook adapter)');
  const referencePg = await startProcess(
    'reference-provider-pg',
    process.execPath,
    ['--import', 'tsx', join(root, 'bench/reference-provider.ts'), JSON.stringify({ issuer: 'https://reference.bench.test', clients, cookieKey, databaseUrl: dbUrl })],
    { cwd: root, logDir: tmp, wantReady: true, env: { ...process.env, NODE_ENV: 'production' } },
  );
  const refPgBase = String(referencePg.ready.url);
  const referencePgPid = referencePg.child.pid ?? 0;

  // ------------------------------------------------ 4. our provider
  let provider: Started | undefined;
  const startProvider = async (extraArgs: string[] = []) => {
    const started = await startProcess('provider', process.execPath, [...extraArgs, join(root, 'dist/src/main.js')], {
      cwd: root,
      logDir: tmp,
      wantReady: false,
      env: providerEnv,
    });
    await waitForHttp(`${base}/readyz`, 60_000, () => started.child.exitCode === null);
    return started;
  };
  log('provider: starting dist/src/main.js with NODE_ENV=production on PostgreSQL');
  provider = await startProvider();
  const pid = provider.child.pid ?? 0;
  let rssPeak = 0;
  const rssSampler = setInterval(() => {
    rssPeak = Math.max(rssPeak, procStatus(pid, 'VmRSS'));
  }, 250);

  const http = new HttpClient({ base, publicOrigin: issuer });
  const firstSignIn: Tokens = await passwordSignIn(http, rp, seededPhone(0), password);
  if (!firstSignIn.refresh_token) throw new Error('the first-party sign-in returned no refresh token');
  const ccToken = await fetch(`${base}/token`, {
    method: 'POST',
    headers: { ...form, authorization: basic(cc.clientId, cc.clientSecret), 'x-forwarded-proto': 'https' },
    body: 'grant_type=client_credentials',
  });
  if (ccToken.status !== 200) throw new Error(`client credentials: ${ccToken.status} ${await ccToken.text()}`);
  log('provider: ready, one scripted sign-in done');

  const rows: Row[] = [];
  const referenceScenarios = endpointScenarios(refBase, { accessToken: String(reference.ready.accessToken), refreshToken: String(reference.ready.refreshToken) });
  const referencePgScenarios = endpointScenarios(refPgBase, { accessToken: String(referencePg.ready.accessToken), refreshToken: String(referencePg.ready.refreshToken) });
  const ourScenarios = endpointScenarios(base, { accessToken: firstSignIn.access_token, refreshToken: firstSignIn.refresh_token });
  for (const [i, s] of ourScenarios.entries()) {
    const refScenario = referenceScenarios[i];
    const ref = refScenario ? await metered([referencePid], refScenario.run) : undefined;
    const refPgScenario = referencePgScenarios[i];
    const refPg = refPgScenario ? await metered([referencePgPid], refPgScenario.run) : undefined;
    const queriesBefore = (await scrape(base)).get('jsrs_db_queries_total') ?? 0;
    const r = await metered([pid], s.run);
    const queries = ((await scrape(base)).get('jsrs_db_queries_total') ?? 0) - queriesBefore;
    rows.push({
      queriesPerRequest: queries / Math.max(1, r.total + r.warmupTotal),
      scenario: s.name,
      unit: 'req/s',
      perSecond: r.requestsPerSecond,
      p50: r.p50,
      p99: r.p99,
      errors: r.errors,
      reference: ref?.requestsPerSecond ?? null,
      ratio: ref ? r.requestsPerSecond / ref.requestsPerSecond : null,
      ...(refPg ? { referencePg: refPg.requestsPerSecond, ratioPg: r.requestsPerSecond / refPg.requestsPerSecond, referencePgCpu: refPg.cpu } : {}),
      cpu: r.cpu,
      ...(ref ? { referenceCpu: ref.cpu } : {}),
      ...(r.errors > 0 ? { note: `status codes: ${JSON.stringify(r.statusCodes)}` } : {}),
    });
    log(`${s.name}: ours ${fmt(r.requestsPerSecond, 0)} req/s p99 ${r.p99} ms (provider ${fmt(r.cpu.providerCores, 2)} + pg ${fmt(r.cpu.postgresCores, 2)} cores, foreign ${fmt(r.cpu.foreignCores, 2)}); reference ${fmt(ref?.requestsPerSecond, 0)} req/s (foreign ${fmt(ref?.cpu.foreignCores, 2)}), on PostgreSQL ${fmt(refPg?.requestsPerSecond, 0)} req/s; errors ${r.errors}`);
  }
  await reference.stop();
  await referencePg.stop();
  if (flag('endpoints-only')) {
    for (const r of rows) log(`${r.scenario}: ${fmt(r.perSecond, 0)} req/s, ratio ${fmt(r.ratio, 2)} (on PostgreSQL ${fmt(r.ratioPg, 2)}), CPU ms/request ${cpuPerRequest(r)}, round trips ${fmt(r.queriesPerRequest)}`);
    await provider.stop();
    provider = undefined;
    await database.close();
    return;
  }

  // ------------------------------------------------ the hash bound, right before the password storm
  log('hash bound: bcryptjs verifications on every core');
  const hashBound = await metered([], () =>
    runForResult<{ cpuSeconds: number; perSecond: number; threads: number; cost: number }>(
      'hash-bound',
      join(root, 'bench/hash-bound.ts'),
      JSON.stringify({ cost: 10, durationMs: durationSec * 1000, warmupMs: 1000 }),
      { cwd: root, logDir: tmp, timeoutMs: (durationSec + 30) * 1000 },
    ),
  );
  log(`hash bound: ${fmt(hashBound.perSecond, 2)} verifications/s on ${hashBound.threads} threads (cost ${hashBound.cost}), foreign ${fmt(hashBound.cpu.foreignCores, 2)} cores`);

  // ------------------------------------------------ 5. sign-in storms
  const phones = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => seededPhone(from + k));
  let captchaCursor = 0;
  const takeCaptchas = (n: number) => {
    const slice = captchas.slice(captchaCursor, captchaCursor + n);
    captchaCursor += n;
    return slice;
  };
  let jobCounter = 0;
  const signIns = async (name: string, job: Omit<SignInJob, 'base' | 'publicOrigin' | 'rp' | 'password' | 'captchaAnswer' | 'sinkUrl'>) => {
    const file = join(tmp, `job-${(jobCounter += 1)}.json`);
    writeFileSync(file, JSON.stringify({ base, publicOrigin: issuer, rp, password, captchaAnswer, sinkUrl: upstreamUrl, ...job } satisfies SignInJob));
    return runForResult<SignInResult>(name, join(root, 'bench/load-signin.ts'), file, { cwd: root, logDir: tmp, timeoutMs: (durationSec + warmupSec + 60) * 1000 });
  };
  const storm = async (name: string, job: Parameters<typeof signIns>[1]) => {
    await scrape(base); // resets the event-loop delay histogram (prom-client resets it on every collect)
    const r = await metered([pid], () => signIns(name, job));
    const after = await scrape(base);
    return { ...r, eventLoopP99Ms: (after.get('nodejs_eventloop_lag_p99_seconds') ?? 0) * 1000 };
  };
  const timed = { concurrency: signInConcurrency, warmupMs: warmupSec * 1000, durationMs: durationSec * 1000 };

  log(`password sign-ins with ${smallAccounts} accounts`);
  const passwordSmall = await storm('signin-password-1k', { ...timed, mode: 'password', phones: phones(0, smallAccounts), captchas: [] });
  log(`  provider ${fmt(passwordSmall.cpu.providerCores, 2)} + pg ${fmt(passwordSmall.cpu.postgresCores, 2)} + load ${fmt(passwordSmall.cpu.loadGeneratorCores, 2)} cores, foreign ${fmt(passwordSmall.cpu.foreignCores, 2)}`);
  log(`  ${fmt(passwordSmall.perSecond, 2)} sign-ins/s, p99 ${fmt(passwordSmall.p99, 0)} ms, event loop p99 ${fmt(passwordSmall.eventLoopP99Ms)} ms, errors ${passwordSmall.errors} ${passwordSmall.errorSamples.join(' | ')}`);

  // Round trips and rows written per sign-in: a counted batch at low concurrency.
  const counted = async (name: string, job: Parameters<typeof signIns>[1]) => {
    const n = job.count ?? 0;
    const before = { queries: (await scrape(base)).get('jsrs_db_queries_total') ?? 0, writes: await settledWriteCounters(database.db) };
    const r = await signIns(name, job);
    const queries = ((await scrape(base)).get('jsrs_db_queries_total') ?? 0) - before.queries;
    const writes = (await settledWriteCounters(database.db)) - before.writes;
    if (r.errors > 0) throw new Error(`${name}: ${r.errors} errors: ${r.errorSamples.join(' | ')}`);
    return { signIns: r.completed, queriesPerSignIn: queries / n, rowsWrittenPerSignIn: writes / n, requestsPerSignIn: r.requests / n };
  };
  log('counting round trips and rows written per password sign-in (40 sign-ins)');
  const passwordCounts = await counted('count-password', { concurrency: 4, count: 40, mode: 'password', phones: phones(0, smallAccounts), captchas: [] });
  log(`  ${fmt(passwordCounts.queriesPerSignIn)} queries, ${fmt(passwordCounts.rowsWrittenPerSignIn)} rows written, ${fmt(passwordCounts.requestsPerSignIn)} HTTP requests per sign-in`);

  // ------------------------------------------------ 6. growth: 100 000 accounts, 10x stored tokens
  const storedBefore = Number((await sql<{ n: string }>`select count(*)::text as n from oidc_payloads`.execute(database.db)).rows[0]?.n ?? 0);
  log(`growth: seeding to ${largeAccounts} accounts and ${storedBefore * 10} stored tokens (from ${storedBefore})`);
  await seedAccounts(database.db, secrets, passwordHash, smallAccounts, largeAccounts);
  await seedStoredTokens(database.db, storedBefore * 9);
  await sql`analyze`.execute(database.db);
  const storedAfter = Number((await sql<{ n: string }>`select count(*)::text as n from oidc_payloads`.execute(database.db)).rows[0]?.n ?? 0);

  log(`password sign-ins with ${largeAccounts} accounts and ${storedAfter} stored tokens`);
  const passwordLarge = await storm('signin-password-100k', { ...timed, mode: 'password', phones: phones(0, largeAccounts), captchas: [] });
  log(`  ${fmt(passwordLarge.perSecond, 2)} sign-ins/s, p99 ${fmt(passwordLarge.p99, 0)} ms, errors ${passwordLarge.errors}`);

  // SMS sign-ins: every one needs its own number (1 SMS per number per minute) and captcha.
  log('SMS-code sign-ins (each with its own number and a seeded captcha)');
  const sms = await storm('signin-sms', { ...timed, mode: 'sms', phones: phones(smallAccounts, 40_000), captchas: takeCaptchas(10_000) });
  log(`  provider ${fmt(sms.cpu.providerCores, 2)} + pg ${fmt(sms.cpu.postgresCores, 2)} + load ${fmt(sms.cpu.loadGeneratorCores, 2)} cores, foreign ${fmt(sms.cpu.foreignCores, 2)}`);
  log(`  ${fmt(sms.perSecond, 1)} sign-ins/s, p99 ${fmt(sms.p99, 0)} ms (steps p99 ${fmt(sms.stepP99, 0)} ms), errors ${sms.errors} ${sms.errorSamples.join(' | ')}${sms.exhausted ? ' (ran out of numbers)' : ''}`);
  log('counting round trips and rows written per SMS sign-in (40 sign-ins)');
  const smsCounts = await counted('count-sms', { concurrency: 4, count: 40, mode: 'sms', phones: phones(40_000, 40_100), captchas: takeCaptchas(100) });
  log(`  ${fmt(smsCounts.queriesPerSignIn)} queries, ${fmt(smsCounts.rowsWrittenPerSignIn)} rows written, ${fmt(smsCounts.requestsPerSignIn)} HTTP requests per sign-in`);

  clearInterval(rssSampler);
  const rssHighWater = Math.max(rssPeak, procStatus(pid, 'VmHWM'));
  http.close();
  await provider.stop();
  provider = undefined;

  // ------------------------------------------------ 7. profiles (a restarted provider with --cpu-prof)
  const profiles: Record<string, ProfileSummary> = {};
  if (!flag('no-profile')) {
    const profileDir = join(tmp, 'profiles');
    mkdirSync(profileDir, { recursive: true });
    const profiled = async (name: string, job: Parameters<typeof signIns>[1] | 'userinfo') => {
      const dir = join(profileDir, name);
      mkdirSync(dir, { recursive: true });
      const p = await startProvider(['--cpu-prof', `--cpu-prof-dir=${dir}`]);
      if (job === 'userinfo') {
        const client = new HttpClient({ base, publicOrigin: issuer });
        const tokens = await passwordSignIn(client, rp, seededPhone(1), password);
        client.close();
        await httpScenario('profile-userinfo', `${base}/me`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
      } else {
        await signIns(`profile-${name}`, job);
      }
      await p.stop(20_000);
      const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
      if (file) profiles[name] = summariseProfile(join(dir, file));
      log(`profile ${name}: ${join(dir, file ?? '(none)')}`);
    };
    await profiled('userinfo', 'userinfo');
    await profiled('password-storm', { ...timed, mode: 'password', phones: phones(0, largeAccounts), captchas: [] });
    await profiled('sms-storm', { ...timed, mode: 'sms', phones: phones(50_000, largeAccounts), captchas: takeCaptchas(10_000) });
  }

  // ------------------------------------------------ 8. table, targets, files
  rows.push(
    { scenario: `password sign-ins (${smallAccounts.toLocaleString('en')} accounts)`, unit: 'sign-ins/s', perSecond: passwordSmall.perSecond, p50: passwordSmall.p50, p99: passwordSmall.p99, stepP99: passwordSmall.stepP99, errors: passwordSmall.errors, reference: hashBound.perSecond, ratio: passwordSmall.perSecond / hashBound.perSecond, cpu: passwordSmall.cpu, referenceCpu: hashBound.cpu, queriesPerRequest: passwordCounts.queriesPerSignIn, note: 'reference = bcrypt hash bound' },
    { scenario: `password sign-ins (${largeAccounts.toLocaleString('en')} accounts, 10× tokens)`, unit: 'sign-ins/s', perSecond: passwordLarge.perSecond, p50: passwordLarge.p50, p99: passwordLarge.p99, stepP99: passwordLarge.stepP99, errors: passwordLarge.errors, reference: hashBound.perSecond, ratio: passwordLarge.perSecond / hashBound.perSecond, cpu: passwordLarge.cpu, referenceCpu: hashBound.cpu, queriesPerRequest: passwordCounts.queriesPerSignIn, note: 'reference = bcrypt hash bound' },
    { scenario: 'SMS-code sign-ins', unit: 'sign-ins/s', perSecond: sms.perSecond, p50: sms.p50, p99: sms.p99, stepP99: sms.stepP99, errors: sms.errors, reference: null, ratio: null, cpu: sms.cpu, queriesPerRequest: smsCounts.queriesPerSignIn, note: 'target: 150/s' },
    { scenario: 'bcrypt hash bound (reference)', unit: 'verifications/s', perSecond: hashBound.perSecond, p50: null, p99: null, errors: 0, reference: null, ratio: null, cpu: hashBound.cpu, note: `${hashBound.threads} worker threads, cost ${hashBound.cost}` },
  );

  const row = (name: string) => rows.find((r) => r.scenario === name);
  const targets: Target[] = [];
  const ratioTarget = (name: string, min: number) => {
    const r = row(name);
    targets.push({ target: `${name} ≥ ${min} × reference`, measured: `${fmt(r?.ratio, 2)} × (${fmt(r?.perSecond, 0)} vs ${fmt(r?.reference, 0)} req/s)`, met: (r?.ratio ?? 0) >= min });
  };
  targets.push({
    target: 'password sign-ins ≥ 0.9 × hash bound',
    measured: `${fmt(passwordSmall.perSecond / hashBound.perSecond, 2)} × (${fmt(passwordSmall.perSecond, 2)} vs ${fmt(hashBound.perSecond, 2)}/s)`,
    met: passwordSmall.perSecond >= 0.9 * hashBound.perSecond,
  });
  targets.push({ target: 'SMS-code sign-ins ≥ 150/s', measured: `${fmt(sms.perSecond, 1)}/s`, met: sms.perSecond >= 150 });
  ratioTarget('client credentials', 0.5);
  ratioTarget('introspection', 0.5);
  ratioTarget('userinfo', 0.5);
  ratioTarget('discovery', 0.8);
  ratioTarget('JWKS', 0.8);
  const nonHash = rows.filter((r) => r.unit === 'req/s');
  const p99s = [...nonHash.map((r) => ({ name: r.scenario, p99: r.p99 ?? 0 })), { name: 'SMS sign-in steps', p99: sms.stepP99 }];
  const worst = p99s.reduce((a, b) => (b.p99 > a.p99 ? b : a));
  targets.push({ target: 'p99 < 100 ms for every non-hash scenario', measured: `worst: ${worst.name} ${fmt(worst.p99, 0)} ms (SMS: per HTTP request; whole sign-in p99 ${fmt(sms.p99, 0)} ms)`, met: p99s.every((p) => p.p99 < 100) });
  const totalErrors = rows.reduce((sum, r) => sum + r.errors, 0);
  targets.push({ target: 'no errors', measured: `${totalErrors}`, met: totalErrors === 0 });
  targets.push({ target: 'event-loop delay p99 < 50 ms during the password storm', measured: `${fmt(passwordSmall.eventLoopP99Ms)} ms`, met: passwordSmall.eventLoopP99Ms < 50 });
  const growth = passwordLarge.perSecond / passwordSmall.perSecond;
  targets.push({
    target: `growth: password sign-ins with ${largeAccounts.toLocaleString('en')} accounts and 10× tokens within 10 % of ${smallAccounts.toLocaleString('en')}`,
    measured: `${fmt(passwordLarge.perSecond, 2)} vs ${fmt(passwordSmall.perSecond, 2)}/s (${growth >= 1 ? '+' : ''}${fmt((growth - 1) * 100)} %)`,
    met: Math.abs(growth - 1) <= 0.1,
  });

  const result = {
    run: { startedAt: runStarted.toISOString(), finishedAt: new Date().toISOString(), durationSec, warmupSec, connections, signInConcurrency, quietWaitsMs: quietWaits },
    machine: machine(pgVersion),
    setup: {
      provider: 'dist/src/main.js, NODE_ENV=production, LOG_LEVEL=info (to a file), PostgreSQL, DB_POOL_MAX 10, bcrypt cost 10, hash pool = cores',
      reference: `bare oidc-provider ${JSON.parse(readFileSync(join(root, 'node_modules/oidc-provider/package.json'), 'utf8')).version as string} with its in-memory adapter, same clients/claims/keys`,
      accounts: { small: smallAccounts, large: largeAccounts },
      storedTokens: { beforeGrowth: storedBefore, afterGrowth: storedAfter },
    },
    rows,
    targets,
    extra: {
      eventLoopDelayP99MsPasswordStorm: passwordSmall.eventLoopP99Ms,
      eventLoopDelayP99MsSmsStorm: sms.eventLoopP99Ms,
      providerPeakRssMiB: Math.round(rssHighWater / 1024 / 1024),
      perPasswordSignIn: passwordCounts,
      perSmsSignIn: smsCounts,
    },
    profiles,
    logs: tmp,
  };

  const md = renderMarkdown(result);
  const resultsDir = join(root, 'bench/results');
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(join(resultsDir, 'latest.json'), `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(join(resultsDir, 'latest.md'), md);
  process.stdout.write(`\n${md}\n`);
  log('wrote bench/results/latest.json and bench/results/latest.md');
  await database.close();
}

function cpuPerRequest(row: Row): string {
  if (!row.cpu || row.unit === 'verifications/s' || row.perSecond <= 0) return '–';
  const ms = (cores: number, rate: number) => fmt((cores / rate) * 1000, 2);
  const onPg = row.referencePgCpu && row.referencePg ? `; on PostgreSQL ${ms(row.referencePgCpu.providerCores, row.referencePg)} + ${ms(row.referencePgCpu.postgresCores, row.referencePg)}` : '';
  const ref = row.referenceCpu && row.reference && row.unit === 'req/s' ? ` (${ms(row.referenceCpu.providerCores, row.reference)}${onPg})` : '';
  return `${ms(row.cpu.providerCores, row.perSecond)} + ${ms(row.cpu.postgresCores, row.perSecond)}${ref}`;
}

function renderMarkdown(r: {
  run: { startedAt: string; durationSec: number; warmupSec: number; connections: number };
  machine: ReturnType<typeof machine>;
  rows: Row[];
  targets: Target[];
  extra: { eventLoopDelayP99MsPasswordStorm: number; eventLoopDelayP99MsSmsStorm: number; providerPeakRssMiB: number; perPasswordSignIn: Record<string, number>; perSmsSignIn: Record<string, number> };
  setup: { storedTokens: { beforeGrowth: number; afterGrowth: number } };
  profiles: Record<string, ProfileSummary>;
}): string {
  const m = r.machine;
  const lines = [
    `### Benchmark ${r.run.startedAt.slice(0, 16).replace('T', ' ')} UTC`,
    '',
    `Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, Node ${m.node}, PostgreSQL ${m.postgres}, ${m.os}; commit ${m.commit}. ` +
      `Provider, PostgreSQL and load generators on the same machine; ${r.run.connections} connections (or concurrent citizens), ` +
      `${r.run.warmupSec} s warm-up + ${r.run.durationSec} s measured per scenario.`,
    '',
    '| scenario | per second | p50 ms | p99 ms | errors | reference /s | ratio | reference on PostgreSQL /s | ratio | DB round trips / request | CPU ms / request: provider + PostgreSQL (reference; reference on PostgreSQL) | CPU cores: provider + PostgreSQL + load gen | foreign cores (ours / reference) |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...r.rows.map(
      (row) =>
        `| ${row.scenario} | ${fmt(row.perSecond, row.perSecond < 100 ? 2 : 0)} ${row.unit} | ${fmt(row.p50, 0)} | ${fmt(row.p99, 0)}${row.stepP99 ? ` (steps ${fmt(row.stepP99, 0)})` : ''} | ${row.errors} | ${fmt(row.reference, row.reference !== null && row.reference < 100 ? 2 : 0)} | ${row.ratio === null ? '–' : `${fmt(row.ratio, 2)}×`} | ${row.referencePg === undefined ? '–' : fmt(row.referencePg, 0)} | ${row.ratioPg === undefined ? '–' : `${fmt(row.ratioPg, 2)}×`} | ${fmt(row.queriesPerRequest)} | ${cpuPerRequest(row)} | ${row.cpu ? `${fmt(row.cpu.providerCores, 2)} + ${fmt(row.cpu.postgresCores, 2)} + ${fmt(row.cpu.loadGeneratorCores, 2)}` : '–'} | ${row.cpu ? fmt(row.cpu.foreignCores, 2) : '–'}${row.referenceCpu ? ` / ${fmt(row.referenceCpu.foreignCores, 2)}` : ''} |`,
    ),
    '',
    ...(r.rows.some((row) => (row.cpu?.foreignCores ?? 0) > 0.2 || (row.referenceCpu?.foreignCores ?? 0) > 0.2)
      ? ['**The machine was shared**: processes outside the bench used the CPU shown as "foreign" (in cores, of ' + `${m.cores}` + ') during some scenarios; those numbers are lower than on a quiet machine.', '']
      : []),
    '| target | measured | |',
    '|---|---|---|',
    ...r.targets.map((t) => `| ${t.target} | ${t.measured} | ${t.met ? 'met' : '**not met**'} |`),
    '',
    `- Event-loop delay p99: ${fmt(r.extra.eventLoopDelayP99MsPasswordStorm)} ms during the password storm, ${fmt(r.extra.eventLoopDelayP99MsSmsStorm)} ms during the SMS storm.`,
    `- Provider peak RSS: ${r.extra.providerPeakRssMiB} MiB.`,
    `- Per password sign-in: ${fmt(r.extra.perPasswordSignIn.queriesPerSignIn)} database round trips, ${fmt(r.extra.perPasswordSignIn.rowsWrittenPerSignIn)} rows written, ${fmt(r.extra.perPasswordSignIn.requestsPerSignIn)} HTTP requests.`,
    `- Per SMS-code sign-in: ${fmt(r.extra.perSmsSignIn.queriesPerSignIn)} database round trips, ${fmt(r.extra.perSmsSignIn.rowsWrittenPerSignIn)} rows written, ${fmt(r.extra.perSmsSignIn.requestsPerSignIn)} HTTP requests.`,
    `- Stored tokens (oidc_payloads rows): ${r.setup.storedTokens.beforeGrowth} before the growth step, ${r.setup.storedTokens.afterGrowth} after.`,
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
    );
  }
  return `${lines.join('\n')}\n`;
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
