// The data-directory lock (src/db/data-dir-lock.ts): one holder at a time while it lives; a lock
// left by a process that died is taken over; release removes only our own lock.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { acquireDataDirLock, DataDirInUseError } from '../../../src/db/data-dir-lock.js';

t.test('one live holder; a dead holder’s lock is taken over', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'jsrs-lock-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const first = acquireDataDirLock(dir, 'server');
  const err = t.throws(() => acquireDataDirLock(dir, 'cli')) as DataDirInUseError;
  t.ok(err instanceof DataDirInUseError, 'a second taker is refused while the holder lives');
  t.equal(err.holderPid, process.pid);
  t.match(err.message, /in use by a running server/);
  first.release();
  t.notOk(existsSync(first.path), 'release removes the lock file');

  const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  writeFileSync(join(dir, 'jsrs-idp.lock'), JSON.stringify({ pid: Number(dead.stdout.toString()), role: 'server' }));
  const taken = acquireDataDirLock(dir, 'cli');
  t.pass('the lock of a process that exited is taken over');
  taken.release();
  writeFileSync(join(dir, 'jsrs-idp.lock'), '{"pid":');
  acquireDataDirLock(dir, 'cli').release();
  t.pass('a half-written lock counts as stale');
});
