// CPU accounting on Linux (/proc): how busy the whole machine was during a scenario, how much of
// that was the provider and PostgreSQL, and how much belonged to processes outside the bench
// (a shared machine makes every number lower; the report says so instead of hiding it).

import { readdirSync, readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

function machineTicks(): { busy: number; total: number } {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '';
    const values = line.trim().split(/\s+/).slice(1).map(Number);
    const idle = (values[3] ?? 0) + (values[4] ?? 0);
    const total = values.slice(0, 8).reduce((a, b) => a + b, 0);
    return { busy: total - idle, total };
  } catch {
    return { busy: 0, total: 0 };
  }
}

/** CPU ticks (user + system) a process has used so far; 0 when it is gone. */
export function processTicks(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11] ?? 0) + Number(fields[12] ?? 0);
  } catch {
    return 0;
  }
}

/** CPU ticks of every PostgreSQL process, by pid. */
function postgresTicks(): Map<number, number> {
  const ticks = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim().startsWith('postgres')) ticks.set(Number(entry), processTicks(Number(entry)));
    } catch {
      // gone
    }
  }
  return ticks;
}

/**
 * Ticks PostgreSQL spent between two readings: per process, so a backend that exits inside the
 * window (another pool's idle connection closing) takes only its own ticks with it.
 */
function postgresTicksBetween(before: Map<number, number>, after: Map<number, number>): number {
  let sum = 0;
  for (const [pid, ticks] of after) sum += ticks - (before.get(pid) ?? 0);
  return sum;
}

export interface CpuWindow {
  /** Cores' worth of CPU used, by everything / the provider / PostgreSQL / the load generator / the rest. */
  machineCores: number;
  providerCores: number;
  postgresCores: number;
  loadGeneratorCores: number;
  foreignCores: number;
  seconds: number;
}

export function cpuMeter(pids: () => number[]) {
  const take = () => ({ at: performance.now(), machine: machineTicks(), ours: pids().reduce((s, p) => s + processTicks(p), 0), pg: postgresTicks() });
  return {
    start() {
      const before = take();
      return {
        /** `loadGeneratorSeconds`: CPU seconds the (exited) load generator reported for itself. */
        stop(loadGeneratorSeconds: number): CpuWindow {
          const after = take();
          const seconds = (after.at - before.at) / 1000;
          const cores = (ticks: number) => ticks / TICKS_PER_SECOND / seconds;
          const machineCores = cores(after.machine.busy - before.machine.busy);
          const providerCores = cores(after.ours - before.ours);
          // A backend that exits inside the window loses its last ticks here (it is not in `after`).
          const postgresCores = Math.max(0, cores(postgresTicksBetween(before.pg, after.pg)));
          const loadGeneratorCores = loadGeneratorSeconds / seconds;
          return {
            machineCores,
            providerCores,
            postgresCores,
            loadGeneratorCores,
            foreignCores: Math.max(0, machineCores - providerCores - postgresCores - loadGeneratorCores),
            seconds,
          };
        },
      };
    },
  };
}

/** Waits (at most `maxMs`) until the machine, with the bench idle, uses less than `cores` cores. */
export async function waitForQuiet(maxMs: number, cores = 0.3): Promise<{ waitedMs: number; busyCores: number }> {
  const started = performance.now();
  let busyCores = 0;
  while (performance.now() - started < maxMs) {
    const a = machineTicks();
    await new Promise((r) => setTimeout(r, 1000));
    const b = machineTicks();
    busyCores = (b.busy - a.busy) / TICKS_PER_SECOND;
    if (busyCores < cores) break;
  }
  return { waitedMs: Math.round(performance.now() - started), busyCores };
}
