// Bench process: the load generator for single-request scenarios (autocannon, fixed connections and
// duration, after a discarded warm-up of the same request). Argv[2] JSON: { url, method, headers,
// body, connections, durationSec, warmupSec }. Prints `RESULT {...}` with requests/s, p50, p99, errors.

import autocannon from 'autocannon';

const o = JSON.parse(process.argv[2] ?? '{}') as {
  url: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  connections: number;
  durationSec: number;
  warmupSec: number;
};
const request = {
  url: o.url,
  connections: o.connections,
  method: o.method ?? 'GET',
  headers: { 'x-forwarded-proto': 'https', 'x-forwarded-for': '192.0.2.10', ...o.headers },
  ...(o.body !== undefined ? { body: o.body } : {}),
  timeout: 10,
};
const warm = o.warmupSec > 0 ? await autocannon({ ...request, duration: o.warmupSec }) : undefined;
const result = await autocannon({ ...request, duration: o.durationSec });
const total = result.requests.total;
process.stdout.write(
  `RESULT ${JSON.stringify({
    cpuSeconds: (process.cpuUsage().user + process.cpuUsage().system) / 1e6,
    requestsPerSecond: result.requests.average,
    total,
    warmupTotal: warm?.requests.total ?? 0,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.non2xx,
    non2xx: result.non2xx,
    connectionErrors: result.errors,
    timeouts: result.timeouts,
    statusCodes: result.statusCodeStats ?? {},
  })}\n`,
);
process.exit(0);
