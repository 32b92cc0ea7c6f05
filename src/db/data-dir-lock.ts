// The embedded engine has one writer: whoever opens a DATA_DIR (the server or a CLI command) holds
// `<dir>/jsrs-idp.lock` (its PID and role) until it closes; a second process is refused while the
// holder lives, so a CLI write can never be overwritten by a running server. A dead holder's lock is taken over.

import { closeSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export type LockRole = 'server' | 'cli';

export class DataDirInUseError extends Error {
  readonly holderPid: number;
  readonly holderRole: string;
  constructor(dir: string, holderPid: number, holderRole: string) {
    const who = holderRole === 'server' ? 'a running server' : `another ${holderRole === 'cli' ? 'CLI command' : 'process'}`;
    super(
      `the embedded database in ${dir} is in use by ${who} (pid ${holderPid}); the embedded engine has one writer: ` +
        'stop it first, or run the server and the CLI on PostgreSQL (DATABASE_URL)',
    );
    this.name = 'DataDirInUseError';
    this.holderPid = holderPid;
    this.holderRole = holderRole;
  }
}

export interface DataDirLock {
  readonly path: string;
  release(): void;
}

interface Holder {
  pid: number;
  role: string;
}

function readHolder(path: string): Holder | undefined {
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<Holder>;
    return typeof parsed.pid === 'number' ? { pid: parsed.pid, role: String(parsed.role ?? 'unknown') } : { pid: 0, role: 'unknown' };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    return { pid: 0, role: 'unknown' }; // unreadable or half-written: treated as stale below
  }
}

/** True while a process with this id exists (EPERM: it exists but belongs to someone else). */
export function isProcessAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the lock of `dir` (which must exist) or throws DataDirInUseError naming the live holder. */
export function acquireDataDirLock(dir: string, role: LockRole): DataDirLock {
  const path = join(dir, 'jsrs-idp.lock');
  for (let attempt = 0; attempt < 5; attempt += 1) {
    let fd: number;
    try {
      fd = openSync(path, 'wx', 0o600);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = readHolder(path);
      if (holder === undefined) continue; // released meanwhile
      if (isProcessAlive(holder.pid)) throw new DataDirInUseError(dir, holder.pid, holder.role);
      // Stale (the holder died without releasing): move it aside atomically; of two racing takers only one succeeds.
      try {
        renameSync(path, `${path}.stale-${process.pid}`);
        unlinkSync(`${path}.stale-${process.pid}`);
      } catch {
        // another process took it over first; look again
      }
      continue;
    }
    writeSync(fd, JSON.stringify({ pid: process.pid, role, since: new Date().toISOString() }));
    closeSync(fd);
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      process.removeListener('exit', release);
      if (readHolder(path)?.pid === process.pid) {
        try {
          unlinkSync(path);
        } catch {
          // already gone
        }
      }
    };
    process.on('exit', release);
    return { path, release };
  }
  throw new Error(`could not take the lock ${path}`);
}
