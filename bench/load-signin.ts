// Bench process: the load generator for complete sign-ins. A fixed number of concurrent citizens,
// each running whole sign-ins back to back (authorization request → login page → password or SMS
// code → resume → code → token) for a fixed duration after a warm-up, or exactly `count` of them.
// Argv[2]: path of a JSON job file (see SignInJob). Prints `RESULT {...}`.

import { readFileSync } from 'node:fs';
import { HttpClient, percentile } from './lib/http.js';
import { passwordSignIn, smsSignIn, smsSinkSource, type RelyingParty } from './lib/signin.js';

export interface SignInJob {
  base: string;
  publicOrigin: string;
  rp: RelyingParty;
  mode: 'password' | 'sms';
  concurrency: number;
  /** Timed run: warm-up then measured duration. */
  warmupMs?: number;
  durationMs?: number;
  /** Counted run: exactly this many sign-ins (no warm-up). */
  count?: number;
  password: string;
  /** National mobile numbers of seeded accounts; SMS sign-ins use each at most once. */
  phones: string[];
  captchas: string[];
  captchaAnswer: string;
  sinkUrl: string;
}

const job = JSON.parse(readFileSync(process.argv[2] ?? '', 'utf8')) as SignInJob;
const http = new HttpClient({ base: job.base, publicOrigin: job.publicOrigin, maxSockets: job.concurrency * 2 });
const sink = new HttpClient({ base: job.sinkUrl, maxSockets: job.concurrency * 2 });
const smsCode = smsSinkSource(sink);

let next = Math.floor(Math.random() * job.phones.length);
let nextUnique = 0;
let exhausted = false;
function takePhone(): { phone: string; captcha: string } | undefined {
  if (job.mode === 'password') {
    next = (next + 1) % job.phones.length;
    return { phone: job.phones[next] ?? '', captcha: '' };
  }
  const phone = job.phones[nextUnique];
  const captcha = job.captchas[nextUnique];
  nextUnique += 1;
  if (phone === undefined || captcha === undefined) {
    exhausted = true;
    return undefined;
  }
  return { phone, captcha };
}

async function once(): Promise<void> {
  const who = takePhone();
  if (!who) return;
  if (job.mode === 'password') await passwordSignIn(http, job.rp, who.phone, job.password);
  else await smsSignIn(http, job.rp, who.phone, { id: who.captcha, answer: job.captchaAnswer }, smsCode);
}

/** The measured window: completions whose finish falls inside it are counted (steady state). */
let windowStart = Number.POSITIVE_INFINITY;
let windowEnd = Number.POSITIVE_INFINITY;
let completed = 0;
let errors = 0;
const errorSamples: string[] = [];
const signInMs: number[] = [];

async function citizen(until: () => boolean): Promise<void> {
  while (!until() && !exhausted) {
    const started = performance.now();
    try {
      await once();
      if (exhausted) break;
      const finished = performance.now();
      if (finished >= windowStart && finished <= windowEnd) {
        completed += 1;
        signInMs.push(finished - started);
      }
    } catch (err) {
      const finished = performance.now();
      if (finished >= windowStart && finished <= windowEnd) {
        errors += 1;
        if (errorSamples.length < 5) errorSamples.push((err as Error).message.slice(0, 300));
      }
    }
  }
}

let elapsedMs: number;
if (job.count !== undefined) {
  const target = job.count;
  let started = 0;
  http.recording = true;
  windowStart = performance.now();
  await Promise.all(Array.from({ length: job.concurrency }, () => citizen(() => started++ >= target)));
  elapsedMs = performance.now() - windowStart;
} else {
  const warmupMs = job.warmupMs ?? 0;
  windowStart = performance.now() + warmupMs;
  windowEnd = windowStart + (job.durationMs ?? 10_000);
  const timer = setTimeout(() => {
    http.recording = true;
  }, warmupMs);
  await Promise.all(Array.from({ length: job.concurrency }, () => citizen(() => performance.now() >= windowEnd)));
  clearTimeout(timer);
  elapsedMs = Math.min(performance.now(), windowEnd) - windowStart;
}

process.stdout.write(
  `RESULT ${JSON.stringify({
    cpuSeconds: (process.cpuUsage().user + process.cpuUsage().system) / 1e6,
    completed,
    perSecond: (completed * 1000) / elapsedMs,
    elapsedMs,
    p50: percentile(signInMs, 50),
    p99: percentile(signInMs, 99),
    requests: http.latencies.length + http.hashLatencies.length,
    // The steps' percentiles leave out the password step (its time is the bcrypt queue's): hashStepP99.
    stepP50: percentile(http.latencies, 50),
    stepP99: percentile(http.latencies, 99),
    hashStepP99: http.hashLatencies.length > 0 ? percentile(http.hashLatencies, 99) : null,
    errors,
    errorSamples,
    exhausted,
  })}\n`,
);
http.close();
sink.close();
process.exit(0);
