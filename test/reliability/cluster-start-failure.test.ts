// WORKERS=2 when the first worker cannot start (the database is unreachable): the primary does not
// fork a crash loop; it says why and exits 1, like a single process would.

import t from 'tap';
import { testEncryptionKey } from '../helpers/app.js';
import { startNodeProcess } from '../helpers/node-process.js';
import { freePort } from '../helpers/pg-cluster.js';

t.test('a node whose workers cannot start exits 1', async (t) => {
  const closedPort = await freePort();
  const started = Date.now();
  const failure = await startNodeProcess({
    DATABASE_URL: `postgres://postgres@127.0.0.1:${closedPort}/nowhere`,
    ENCRYPTION_KEY: testEncryptionKey,
    LOG_LEVEL: 'info',
    WORKERS: '2',
  }).then(
    () => undefined,
    (err: Error) => err.message,
  );
  t.ok(failure, 'the node never answers');
  t.match(failure ?? '', /node exited early/, 'it exits instead');
  t.match(failure ?? '', /a worker failed to start: stopping the node/, 'the primary says why');
  t.match(failure ?? '', /"exitCode":1,"msg":"stopped"/, 'and stops with exit code 1');
  t.equal((failure ?? '').match(/"msg":"worker listening"/g), null, 'no worker ever listened');
  t.ok(Date.now() - started < 60_000, 'promptly');
});
