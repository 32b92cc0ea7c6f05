// Summarises a V8 .cpuprofile (node --cpu-prof): self time by function and by area (our src/, each
// node_modules package, node internals, GC, idle), as fractions of the profiled wall time, and for
// the costliest native functions (writev, ...) who called them (the nearest caller outside node:).

import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface ProfileSummary {
  file: string;
  wallMs: number;
  busyFraction: number;
  topFunctions: Array<{ frame: string; selfMs: number; share: number }>;
  areas: Array<{ area: string; selfMs: number; share: number }>;
  /** The costliest native functions' self time by the area of their nearest caller outside node's internals. */
  nativeCallers: Array<{ native: string; share: number; callers: Array<{ area: string; share: number }> }>;
}

function areaOf(url: string, name: string): string {
  if (name === '(garbage collector)') return 'GC';
  if (name === '(idle)') return 'idle';
  if (name === '(program)') return 'V8/native (program)';
  if (!url) return `native: ${name || '(anonymous)'}`;
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1] as string;
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[0] ?? ''}`;
  const ours = /\/(src|dist\/src)\/(.+?)(\.[jt]s)?$/.exec(url);
  if (ours) return `src/${(ours[2] ?? '').split('/').slice(0, 2).join('/')}`;
  return url.replace(/^file:\/\//, '');
}

export function summariseProfile(file: string, top = 15): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i += 1) {
    const id = profile.samples[i] as number;
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
  }
  const wallMs = (profile.endTime - profile.startTime) / 1000;
  const frames = new Map<string, number>();
  const areas = new Map<string, number>();
  let idleMs = 0;
  for (const [id, ms] of self) {
    const node = byId.get(id);
    if (!node) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const area = areaOf(url, functionName);
    if (area === 'idle') idleMs += ms;
    const short = url.replace(/^file:\/\/.*?\/(node_modules|src|dist)\//, '$1/');
    const frame = `${functionName || '(anonymous)'} ${short ? `${short}:${lineNumber + 1}` : ''}`.trim();
    frames.set(frame, (frames.get(frame) ?? 0) + ms);
    areas.set(area, (areas.get(area) ?? 0) + ms);
  }
  const sorted = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]);
  // Native frames (no script URL) with their callers: a parent map, then a walk up from each sample's node.
  const parentOf = new Map<number, number>();
  for (const n of profile.nodes) for (const child of n.children ?? []) parentOf.set(child, n.id);
  const natives = new Map<string, Map<string, number>>();
  for (const [id, ms] of self) {
    const node = byId.get(id);
    if (!node || node.callFrame.url || node.callFrame.functionName.startsWith('(')) continue;
    let caller = 'unknown';
    for (let up = parentOf.get(id); up !== undefined; up = parentOf.get(up)) {
      const frame = byId.get(up)?.callFrame;
      if (frame?.url && !frame.url.startsWith('node:')) {
        caller = areaOf(frame.url, frame.functionName);
        break;
      }
    }
    const callers = natives.get(node.callFrame.functionName) ?? new Map<string, number>();
    callers.set(caller, (callers.get(caller) ?? 0) + ms);
    natives.set(node.callFrame.functionName, callers);
  }
  const nativeCallers = [...natives]
    .map(([native, callers]) => ({ native, ms: [...callers.values()].reduce((a, b) => a + b, 0), callers }))
    .sort((a, b) => b.ms - a.ms)
    .slice(0, 3)
    .map(({ native, ms, callers }) => ({ native, share: ms / wallMs, callers: sorted(callers).slice(0, 5).map(([area, c]) => ({ area, share: c / wallMs })) }));
  return {
    file,
    wallMs,
    busyFraction: wallMs > 0 ? 1 - idleMs / wallMs : 0,
    topFunctions: sorted(frames).filter(([f]) => !f.startsWith('(idle)')).slice(0, top).map(([frame, ms]) => ({ frame, selfMs: Math.round(ms), share: ms / wallMs })),
    areas: sorted(areas).slice(0, top).map(([area, ms]) => ({ area, selfMs: Math.round(ms), share: ms / wallMs })),
    nativeCallers,
  };
}

if (process.argv[1]?.endsWith('profile-summary.ts') && process.argv[2]) {
  const summary = summariseProfile(process.argv[2]);
  process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
}
