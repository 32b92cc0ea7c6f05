// What every bench scenario works with: the run's options and log, the seeded database, the
// clients, the two reference providers, the load generators and CPU meter, and the provider under
// test (started with WORKERS = 1 or 2). Built once by bench/run.ts; scenarios only read it.

import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { sql } from 'kysely';
import type { Database } from '../../src/db/connect.js';
import type { Secrets } from '../../src/services/secrets.js';
import type { SignInJob } from '../load-signin.js';
import type { ProfileSummary } from '../profile-summary.js';
import type { CpuWindow } from './cpu.js';
import type { Started } from './procs.js';
import type { RelyingParty } from './signin.js';

export interface BenchOptions {
  durationSec: number;
  warmupSec: number;
  connections: number;
  /** WORKERS values each provider scenario runs with (default 1 and 2). */
  workers: number[];
  /** Only these scenarios (by file name), or all. */
  only: Set<string> | undefined;
  profile: boolean;
  /** Accounts the growth scenario grows the database to (default 1,000,000). */
  growthAccounts: number;
  /** Imported accounts the imported-signins scenario imports up to, in steps (default 100,000 then 1,000,000). */
  importedAccounts: number[];
  /** Which profiles the profiles scenario takes (default all three). */
  profiles: Set<string>;
}

export interface HttpResult {
  cpuSeconds: number;
  warmupTotal: number;
  requestsPerSecond: number;
  total: number;
  p50: number;
  p99: number;
  errors: number;
  statusCodes: Record<string, { count: number }>;
}

export interface SignInResult {
  cpuSeconds: number;
  completed: number;
  perSecond: number;
  p50: number;
  p99: number;
  stepP50: number;
  /** p99 of the requests that do not verify a password hash. */
  stepP99: number;
  /** p99 of the password step (bcrypt queue included); null when the sign-ins had none. */
  hashStepP99: number | null;
  requests: number;
  errors: number;
  errorSamples: string[];
  exhausted: boolean;
}

/** A sign-in job as a scenario gives it; `password` defaults to the seeded accounts' one. */
export type SignInLoad = Omit<SignInJob, 'base' | 'publicOrigin' | 'rp' | 'password' | 'captchaAnswer' | 'sinkUrl'> & { password?: string };

export interface Row {
  scenario: string;
  /** WORKERS of the provider measured; absent for rows that are not the provider (the hash bound). */
  workers?: number;
  unit: 'req/s' | 'sign-ins/s' | 'verifications/s';
  perSecond: number;
  p50: number | null;
  p99: number | null;
  /** p99 of the individual HTTP requests inside a sign-in, the password step (hash) left out. */
  stepP99?: number | null;
  /** p99 of the password step alone. */
  hashStepP99?: number | null;
  errors: number;
  reference: number | null;
  ratio: number | null;
  /** The bare provider on PostgreSQL (textbook adapter) and our ratio to it, for single-request scenarios. */
  referencePg?: number;
  ratioPg?: number;
  /** Database round trips per request (Kysely log hook). */
  queriesPerRequest?: number;
  /** CPU in cores during our measurement: provider (every process of the node), PostgreSQL, load generator, processes outside the bench. */
  cpu?: CpuWindow;
  referenceCpu?: CpuWindow;
  referencePgCpu?: CpuWindow;
  eventLoopP99Ms?: number;
  note?: string;
}

export interface Target {
  target: string;
  measured: string;
  met: boolean;
}

/** A bare oidc-provider the endpoint scenarios compare with. */
export interface Reference {
  base: string;
  pid: number;
  accessToken: string;
  refreshToken: string;
}

/** Our provider as started for one WORKERS value. */
export interface ProviderUnderTest {
  workers: number;
  /** The primary and its workers (replaced ones included): the CPU meter sums them. */
  pids(): number[];
  accessToken: string;
  refreshToken: string;
  /** Whole node's metrics (the primary aggregates its workers). */
  scrape(): Promise<Map<string, number>>;
  started: Started;
}

export interface Bench {
  root: string;
  tmp: string;
  options: BenchOptions;
  log(message: string): void;
  base: string;
  issuer: string;
  rp: RelyingParty;
  cc: { clientId: string; clientSecret: string };
  password: string;
  database: Database;
  secrets: Secrets;
  passwordHash: string;
  /** The policy texts' version the seeded (and imported) citizens have agreed to. */
  policyVersion: string;
  smallAccounts: number;
  /** Seeded accounts so far (numbered from 0: seededPhone(i)). */
  accounts(): number;
  /** Seeds accounts up to `n` (bulk inserts, not HTTP) and analyzes. */
  seedAccountsTo(n: number): Promise<void>;
  references: { memory: Reference; pg: Reference } | undefined;
  /** Seeded captcha ids, each usable once. */
  takeCaptchas(n: number): string[];
  /** One autocannon run against `url` (warm-up then measured). */
  httpLoad(name: string, url: string, request?: { method?: string; headers?: Record<string, string>; body?: string }): Promise<HttpResult>;
  /** Sign-in load from a separate process. */
  signIns(name: string, job: SignInLoad): Promise<SignInResult>;
  /** Runs `run` while metering CPU of `pids`, after waiting (bounded) for the machine to be quiet. */
  metered<T extends { cpuSeconds: number }>(pids: () => number[], run: () => Promise<T>): Promise<T & { cpu: CpuWindow }>;
  /** Starts our provider (dist/src/main.js, production) with `workers` processes and extra node arguments. */
  startProvider(workers: number, nodeArgs?: string[]): Promise<ProviderUnderTest>;
  profiles: Record<string, ProfileSummary>;
  /** Facts a scenario reports for the run's notes (growth: database size, purge cost ...). */
  facts: Record<string, unknown>;
}

/** One measured piece of the bench: returns its rows (one per WORKERS value, or one). */
export interface Scenario {
  /** File name under bench/scenarios/ (also what --only= selects). */
  id: string;
  /** 'node': run once per WORKERS value with the provider up; 'alone': run once, the provider down. */
  needs: 'node' | 'alone';
  /** Compares with the bare reference providers (the run starts them only when one of these runs). */
  usesReferences?: boolean;
  run(bench: Bench, provider: ProviderUnderTest | undefined): Promise<Row[]>;
  /** The issue's targets this scenario answers, from its own rows (and every row of the run). */
  targets?(rows: Row[], all: Row[]): Target[];
}

export const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
export const form = { 'content-type': 'application/x-www-form-urlencoded' };
export const fmt = (n: number | null | undefined, digits = 1) => (n === null || n === undefined || Number.isNaN(n) ? '–' : n.toFixed(digits));

/** Provider CPU milliseconds per request (or sign-in) of a row: the provider's cores over its rate. */
export const providerMsPerRequest = (row: Row | undefined) => (row?.cpu && row.perSecond > 0 ? (row.cpu.providerCores / row.perSecond) * 1000 : undefined);

/** Production serves /metrics only to its METRICS_TOKEN bearer. */
export const metricsToken = randomBytes(24).toString('base64url');

export function parseMetrics(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (match && !match[2]) out.set(match[1] as string, Number(match[3]));
  }
  return out;
}

export async function scrapeMetrics(base: string): Promise<Map<string, number>> {
  const res = await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${metricsToken}` } });
  return parseMetrics(await res.text());
}

export function procStatus(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1];
    return kb ? Number(kb) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** `pid` and its child processes (a cluster primary's workers), from /proc. */
export function processTree(pid: number): number[] {
  const out = [pid];
  try {
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
        const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        if (ppid === pid) out.push(Number(entry));
      } catch {
        // gone
      }
    }
  } catch {
    // no /proc
  }
  return out;
}

async function writeCounters(db: Database['db']): Promise<number> {
  const result = await sql<{ n: string }>`select coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0)::text as n from pg_stat_user_tables`.execute(db);
  return Number(result.rows[0]?.n ?? 0);
}

/**
 * pg_stat_user_tables' write counters once every backend has reported: PostgreSQL 15 flushes a
 * busy backend's counts at most once a second and an idle one's after 10 s, so the value must
 * stay unchanged for 11 s (read every 1.5 s, at most 60 s in all).
 */
export async function settledWriteCounters(db: Database['db']): Promise<number> {
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

export function machine(root: string, pgVersion: string) {
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

/** The number of accounts in the database, whatever brought them (seeding or the import). */
export async function accountsInDatabase(db: Database['db']): Promise<number> {
  return Number((await sql<{ n: string }>`select count(*)::text as n from accounts`.execute(db)).rows[0]?.n ?? 0);
}

/** The number of stored oidc-provider rows. */
export async function storedTokens(db: Database['db']): Promise<number> {
  return Number((await sql<{ n: string }>`select count(*)::text as n from oidc_payloads`.execute(db)).rows[0]?.n ?? 0);
}
