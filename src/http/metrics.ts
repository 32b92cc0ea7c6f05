// Prometheus metrics: request count and latency by route, and oidc-provider events. One registry
// per app instance (tests build several apps in one process); with WORKERS > 1, /metrics scrapes the
// whole node through the cluster primary (src/cluster/).

import type { Middleware } from 'koa';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface Metrics {
  registry: Registry;
  middleware: Middleware;
  countEvent(event: string): void;
  /** The text /metrics answers: this registry, or the whole node's when the process is a cluster worker. */
  scrape(): Promise<string>;
}

/** The route label: our router's pattern, the provider's route name, or a fixed bucket. */
function routeLabel(ctx: Parameters<Middleware>[0]): string {
  const matched = (ctx as { _matchedRoute?: unknown })._matchedRoute;
  if (typeof matched === 'string') return matched;
  const oidcRoute = (ctx as { oidc?: { route?: string } }).oidc?.route;
  if (oidcRoute) return `oidc:${oidcRoute}`;
  if (ctx.path.startsWith('/static/')) return '/static';
  return 'unmatched';
}

export function createMetrics(
  options: { defaultMetrics?: boolean; dbStats?: { readonly queries: number }; scrape?: (local: Registry) => Promise<string> } = {},
): Metrics {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  const dbStats = options.dbStats;
  if (dbStats) {
    // Database round trips counted by the Kysely log hook (src/db/connect.ts): the benchmark's queries per sign-in.
    new Counter({
      name: 'jsrs_db_queries_total',
      help: 'Database queries executed by this process (Kysely log hook)',
      registers: [registry],
      collect() {
        this.reset();
        this.inc(dbStats.queries);
      },
    });
  }
  const requests = new Counter({
    name: 'jsrs_http_requests_total',
    help: 'HTTP requests by route, method and status',
    labelNames: ['route', 'method', 'status'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'jsrs_http_request_duration_seconds',
    help: 'HTTP request latency by route',
    labelNames: ['route', 'method'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const events = new Counter({
    name: 'jsrs_oidc_events_total',
    help: 'oidc-provider events (grants issued, errors, sessions ...)',
    labelNames: ['event'] as const,
    registers: [registry],
  });
  const middleware: Middleware = async (ctx, next) => {
    const end = duration.startTimer();
    try {
      await next();
    } finally {
      const route = routeLabel(ctx);
      end({ route, method: ctx.method });
      requests.inc({ route, method: ctx.method, status: String(ctx.status) });
    }
  };
  const scrape = options.scrape;
  return {
    registry,
    middleware,
    countEvent: (event) => events.inc({ event }),
    scrape: () => (scrape ? scrape(registry) : registry.metrics()),
  };
}
