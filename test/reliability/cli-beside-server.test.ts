// Issue 17: a CLI write must never be lost. With the embedded engine the server is the one writer of
// its DATA_DIR: the CLI, run beside it on the same directory, refuses with a clear message and
// writes nothing; once the server stops (or died without releasing its lock) the CLI works.

import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { runCli } from '../helpers/cli-process.js';
import { startNodeProcess } from '../helpers/node-process.js';

// Starting the embedded engine through tsx takes a while on a busy 2-core machine.
t.setTimeout(170_000);

t.test('the CLI refuses to write beside a running server on the same data directory', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'jsrs-cli-lock-'));
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }));
  const node = await startNodeProcess({ DATA_DIR: dataDir });
  t.teardown(() => node.stop());
  const lock = JSON.parse(readFileSync(join(dataDir, 'jsrs-idp.lock'), 'utf8')) as { pid: number; role: string };
  t.equal(lock.role, 'server', 'the running server holds the directory');
  t.equal(lock.pid, node.child.pid, 'under its own process id');

  const refused = await runCli(['clients', 'add', '--name', 'Beside the server', '--redirect-uri', 'https://rp.example/cb'], { DATA_DIR: dataDir });
  t.equal(refused.code, 1, 'the CLI exits 1');
  t.match(refused.stderr, new RegExp(`in use by a running server \\(pid ${node.child.pid}\\)`), 'naming the running server and its pid');
  t.match(refused.stderr, /DATABASE_URL/, 'and the way to run both: PostgreSQL');
  t.notMatch(refused.stdout, /client_id=/, 'it printed no client id');

  t.equal(await node.stop(), 0, 'the server stops cleanly');
  t.notOk(existsSync(join(dataDir, 'jsrs-idp.lock')), 'and releases the directory');
  const listed = await runCli(['clients', 'list'], { DATA_DIR: dataDir });
  t.equal(listed.code, 0, 'with the server stopped the CLI runs');
  t.notMatch(listed.stdout, /Beside the server/, 'the refused command wrote nothing');
  t.notOk(existsSync(join(dataDir, 'jsrs-idp.lock')), 'the CLI releases the directory when it ends');
});
