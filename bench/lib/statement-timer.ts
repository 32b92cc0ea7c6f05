// A Kysely plugin for the benches that times every statement (wall, and optionally the CPU of the
// PostgreSQL backend that ran it, read from /proc) and sums both per SQL text and per row window:
// pg_stat_statements-style totals without the server extension.

import type { KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs, QueryResult, RootOperationNode, UnknownRow } from 'kysely';
import { PostgresQueryCompiler } from 'kysely';

export interface StatementTotals {
  statement: string;
  calls: number;
  wallMs: number;
  backendCpuMs: number;
}

/** The statement's shape: its first words, enough to tell the import's statements apart. */
function label(node: RootOperationNode): string {
  const text = new PostgresQueryCompiler().compileQuery(node, { queryId: 'label' }).sql;
  return text.replace(/\s+/g, ' ').slice(0, 90);
}

export function createStatementTimer(backendCpuMs: () => number = () => 0) {
  const started = new WeakMap<object, { label: string; at: bigint; cpu: number }>();
  let window = new Map<string, StatementTotals>();
  const all = new Map<string, StatementTotals>();
  const add = (into: Map<string, StatementTotals>, statement: string, wallMs: number, cpuMs: number) => {
    const t = into.get(statement) ?? { statement, calls: 0, wallMs: 0, backendCpuMs: 0 };
    t.calls += 1;
    t.wallMs += wallMs;
    t.backendCpuMs += cpuMs;
    into.set(statement, t);
  };
  const round = (rows: Iterable<StatementTotals>) =>
    [...rows].sort((a, b) => b.wallMs - a.wallMs).map((t) => ({ ...t, wallMs: Math.round(t.wallMs), backendCpuMs: Math.round(t.backendCpuMs) }));
  const plugin: KyselyPlugin = {
    transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
      started.set(args.queryId, { label: label(args.node), at: process.hrtime.bigint(), cpu: backendCpuMs() });
      return args.node;
    },
    async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
      const s = started.get(args.queryId);
      if (s) {
        const wallMs = Number(process.hrtime.bigint() - s.at) / 1e6;
        const cpuMs = backendCpuMs() - s.cpu;
        add(window, s.label, wallMs, cpuMs);
        add(all, s.label, wallMs, cpuMs);
      }
      return args.result;
    },
  };
  return {
    plugin,
    /** The totals since the last call, most expensive first. */
    takeWindow() {
      const out = round(window.values());
      window = new Map();
      return out;
    },
    total: () => round(all.values()),
  };
}

export type StatementTimer = ReturnType<typeof createStatementTimer>;