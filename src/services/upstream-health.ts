// Every call to an upstream (registry, SMS, face, 电子社保卡, 江苏政务, 支付宝) goes through one
// wrapper: a failure is logged with the upstream, the operation, its error class and the latency
// (never arguments or answers), and recent outcomes per upstream feed the console's health view.

import { upstreamNames } from '../domain/sign-in-methods.js';
import type { Logger } from '../log/logger.js';

export const monitoredUpstreams = ['registry', 'sms', 'face', ...upstreamNames] as const;
export type MonitoredUpstream = (typeof monitoredUpstreams)[number];

export interface UpstreamCallSummary {
  upstream: MonitoredUpstream;
  /** Calls among the most recent ones kept (this node, since it started). */
  calls: number;
  failures: number;
  lastFailureAt: Date | undefined;
  lastErrorClass: string | undefined;
  /** Median latency of the kept calls, ms. */
  medianMs: number | undefined;
}

export interface UpstreamHealth {
  record(upstream: MonitoredUpstream, outcome: { ok: boolean; ms: number; errorClass?: string }): void;
  summary(): UpstreamCallSummary[];
}

/** How many recent calls each upstream keeps. */
const kept = 200;

export function createUpstreamHealth(now: () => Date = () => new Date()): UpstreamHealth {
  const recent = new Map<MonitoredUpstream, Array<{ ok: boolean; ms: number; at: Date; errorClass?: string }>>();
  return {
    record(upstream, outcome) {
      const list = recent.get(upstream) ?? [];
      list.push({ ...outcome, at: now() });
      if (list.length > kept) list.splice(0, list.length - kept);
      recent.set(upstream, list);
    },
    summary() {
      return monitoredUpstreams.map((upstream) => {
        const list = recent.get(upstream) ?? [];
        const failures = list.filter((c) => !c.ok);
        const last = failures[failures.length - 1];
        const sorted = list.map((c) => c.ms).sort((a, b) => a - b);
        return {
          upstream,
          calls: list.length,
          failures: failures.length,
          lastFailureAt: last?.at,
          lastErrorClass: last?.errorClass,
          medianMs: sorted.length ? sorted[Math.floor(sorted.length / 2)] : undefined,
        };
      });
    },
  };
}

function chain(err: unknown): unknown[] {
  const out: unknown[] = [];
  for (let e: unknown = err; e !== undefined && e !== null && out.length < 6; e = (e as { cause?: unknown }).cause) out.push(e);
  return out;
}

/**
 * A short, secret-free class for a failure: `timeout`, `http_<status>`, `network`, or `rejected`
 * (the upstream answered, but with a refusal, a bad signature or an unexpected shape).
 */
export function errorClassOf(err: unknown): string {
  const links = chain(err);
  const texts = links.map((e) => (e instanceof Error ? `${e.name} ${e.message}` : String(e)));
  if (links.some((e) => e instanceof Error && (e.name === 'TimeoutError' || e.name === 'AbortError')) || texts.some((s) => /\btime(d)? ?out\b/i.test(s))) return 'timeout';
  const http = texts.map((s) => /\bHTTP (\d{3})\b/.exec(s)?.[1]).find(Boolean);
  if (http) return `http_${http}`;
  const codes = links.map((e) => (e as { code?: unknown }).code).filter((c): c is string => typeof c === 'string');
  if (codes.some((c) => /^(ECONN|ENOTFOUND|EAI_|EHOST|ENET|EPIPE|UND_ERR)/.test(c)) || texts.some((s) => /fetch failed|network error|request failed/i.test(s))) return 'network';
  return 'rejected';
}

export interface InstrumentOptions<T> {
  logger: Logger;
  health: UpstreamHealth;
  /** A resolved answer that is nonetheless a failure (the registry's `'unavailable'`). */
  failedAnswer?: (operation: string, answer: unknown) => string | undefined;
  _type?: T;
}

/**
 * The same port with every asynchronous method timed: failures (a rejection or a failed answer) are
 * logged at warn and every outcome is recorded. Synchronous methods (URL builders) pass through.
 */
export function instrumentUpstream<T extends object>(upstream: MonitoredUpstream, port: T, options: InstrumentOptions<T>): T {
  const { logger, health, failedAnswer } = options;
  const log = (operation: string, errorClass: string, latencyMs: number) =>
    logger.warn({ upstream, operation, errorClass, latencyMs }, 'upstream call failed');
  return new Proxy(port, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function' || typeof property !== 'string') return value;
      return (...args: unknown[]) => {
        const started = performance.now();
        const ms = () => Math.round((performance.now() - started) * 10) / 10;
        let result: unknown;
        try {
          result = (value as (...a: unknown[]) => unknown).apply(target, args);
        } catch (err) {
          const errorClass = errorClassOf(err);
          health.record(upstream, { ok: false, ms: ms(), errorClass });
          log(property, errorClass, ms());
          throw err;
        }
        if (!(result instanceof Promise)) return result;
        return result.then(
          (answer: unknown) => {
            const failed = failedAnswer?.(property, answer);
            const latency = ms();
            health.record(upstream, failed ? { ok: false, ms: latency, errorClass: failed } : { ok: true, ms: latency });
            if (failed) log(property, failed, latency);
            return answer;
          },
          (err: unknown) => {
            const errorClass = errorClassOf(err);
            const latency = ms();
            health.record(upstream, { ok: false, ms: latency, errorClass });
            log(property, errorClass, latency);
            throw err;
          },
        );
      };
    },
  });
}
