// The shape every single-request scenario shares: the same request against the bare provider in
// memory, the bare provider on PostgreSQL (both measured once, right before our first run) and ours
// at each WORKERS value, with CPU per request and database round trips per request.

import { fmt, providerMsPerRequest, type Bench, type ProviderUnderTest, type Reference, type Row, type Scenario, type Target } from '../lib/context.js';

export interface EndpointRequest {
  url: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface EndpointTargets {
  /** Our req/s at least this × the in-memory reference's. */
  minRatio?: number;
  /** Provider CPU per request at most this many ms (the targets, measured with WORKERS=1). */
  maxProviderMs?: number;
}

export function endpointScenario(
  id: string,
  name: string,
  request: (bench: Bench, target: { base: string; accessToken: string; refreshToken: string }) => EndpointRequest,
  goals: EndpointTargets = {},
): Scenario {
  let references: { memory?: Awaited<ReturnType<Bench['metered']>> & Awaited<ReturnType<Bench['httpLoad']>>; pg?: Awaited<ReturnType<Bench['metered']>> & Awaited<ReturnType<Bench['httpLoad']>> } | undefined;
  const load = (bench: Bench, label: string, target: { base: string; accessToken: string; refreshToken: string }) => {
    const r = request(bench, target);
    return bench.httpLoad(`${id}-${label}`, r.url, r);
  };
  const measureReference = (bench: Bench, label: string, ref: Reference) => bench.metered(() => [ref.pid], () => load(bench, label, ref));
  return {
    id,
    needs: 'node',
    usesReferences: true,
    async run(bench: Bench, provider: ProviderUnderTest | undefined): Promise<Row[]> {
      if (!provider) throw new Error(`${id} needs the provider`);
      if (!references && bench.references) {
        references = { memory: await measureReference(bench, 'reference', bench.references.memory), pg: await measureReference(bench, 'reference-pg', bench.references.pg) };
      }
      const queriesBefore = (await provider.scrape()).get('jsrs_db_queries_total') ?? 0;
      const r = await bench.metered(provider.pids, () => load(bench, `workers${provider.workers}`, { base: bench.base, accessToken: provider.accessToken, refreshToken: provider.refreshToken }));
      const queries = ((await provider.scrape()).get('jsrs_db_queries_total') ?? 0) - queriesBefore;
      const ref = references?.memory;
      const refPg = references?.pg;
      const row: Row = {
        scenario: name,
        workers: provider.workers,
        queriesPerRequest: queries / Math.max(1, r.total + r.warmupTotal),
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
      };
      bench.log(
        `${name} (WORKERS=${provider.workers}): ${fmt(r.requestsPerSecond, 0)} req/s p99 ${r.p99} ms, provider ${fmt(providerMsPerRequest(row), 2)} ms CPU/request ` +
          `(${fmt(r.cpu.providerCores, 2)} + pg ${fmt(r.cpu.postgresCores, 2)} cores, foreign ${fmt(r.cpu.foreignCores, 2)}); reference ${fmt(ref?.requestsPerSecond, 0)} req/s, on PostgreSQL ${fmt(refPg?.requestsPerSecond, 0)} req/s; errors ${r.errors}`,
      );
      return [row];
    },
    targets(rows: Row[]): Target[] {
      const out: Target[] = [];
      for (const row of rows) {
        if (goals.minRatio !== undefined) {
          out.push({
            target: `${name} ≥ ${goals.minRatio} × reference (WORKERS=${row.workers})`,
            measured: `${fmt(row.ratio, 2)} × (${fmt(row.perSecond, 0)} vs ${fmt(row.reference, 0)} req/s)`,
            met: (row.ratio ?? 0) >= goals.minRatio,
          });
        }
        if (goals.maxProviderMs !== undefined) {
          const ms = providerMsPerRequest(row);
          const refPg = row.referencePgCpu && row.referencePg ? (row.referencePgCpu.providerCores / row.referencePg) * 1000 : undefined;
          const refMem = row.referenceCpu && row.reference ? (row.referenceCpu.providerCores / row.reference) * 1000 : undefined;
          out.push({
            target: `${name}: provider CPU ≤ ${goals.maxProviderMs} ms / request (WORKERS=${row.workers})`,
            measured: `${fmt(ms, 2)} ms (reference ${fmt(refMem, 2)}; on PostgreSQL ${fmt(refPg, 2)})`,
            met: ms !== undefined && ms <= goals.maxProviderMs,
          });
        }
      }
      return out;
    },
  };
}
