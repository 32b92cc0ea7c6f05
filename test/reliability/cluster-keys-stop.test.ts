// WORKERS=2 on PostgreSQL: a key rotation made elsewhere (the CLI, another node) is picked up by
// every worker, and SIGTERM to the primary drains both workers and exits 0 within the usual bound.

import t from 'tap';
import { connectDatabase } from '../../src/db/connect.js';
import { createControllableClock } from '../../src/domain/clock.js';
import { loadConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/log/logger.js';
import { rotateKeys } from '../../src/oidc/keys.js';
import { createSecrets } from '../../src/services/secrets.js';
import { testEncryptionKey } from '../helpers/app.js';
import { testDatabaseUrl } from '../helpers/database.js';
import { getOnNewConnection, isAlive, startClusterNode, waitUntil } from '../helpers/cluster-node.js';

t.test('key rotation and SIGTERM across two workers', { skip: testDatabaseUrl ? false : 'several workers need PostgreSQL (the embedded engine has one writer)' }, async (t) => {
  const node = await startClusterNode(testDatabaseUrl as string, { KEY_RELOAD_SECONDS: '1' });
  t.teardown(async () => {
    await node.stop('SIGKILL');
    for (const pid of node.listeningPids()) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
    await node.drop();
  });
  const workers = node.listeningPids();
  t.equal(workers.length, 2, 'two workers');

  const database = await connectDatabase({ databaseUrl: node.databaseUrl, dataDir: 'unused' });
  t.teardown(() => database.close());
  const secrets = createSecrets(loadConfig({ env: { NODE_ENV: 'test', ENCRYPTION_KEY: testEncryptionKey } }), createLogger('silent'));
  await rotateKeys(database.db, secrets.cipher, createControllableClock(), 'sig', 3600);
  const newKids = (await database.db.selectFrom('signing_keys').select('kid').where('use', '=', 'sig').where('status', '=', 'active').execute()).map((k) => k.kid);

  const rebuiltBy = () => new Set(node.logs(/^key set changed: provider rebuilt/).map((l) => l.pid as number));
  await waitUntil('both workers to rebuild their provider', () => workers.every((pid) => rebuiltBy().has(pid)), 30_000);
  t.pass('each worker rebuilt its provider with the new keys');
  for (let i = 0; i < 4; i += 1) {
    const jwks = await getOnNewConnection(`${node.url}/jwks`);
    const kids = 'body' in jwks ? (JSON.parse(jwks.body) as { keys: Array<{ kid: string }> }).keys.map((k) => k.kid) : [];
    t.ok(newKids.every((kid) => kids.includes(kid)), `JWKS on connection ${i + 1} (alternating workers) publishes the new keys`);
  }

  const stopStarted = Date.now();
  t.equal(await node.stop('SIGTERM', 30_000), 0, 'SIGTERM: the primary exits 0');
  t.ok(Date.now() - stopStarted < 15_000, `within the bound (${Date.now() - stopStarted} ms)`);
  t.ok(workers.every((pid) => !isAlive(pid)), 'and no worker is left');
  t.equal(node.logs(/^stopped$/).length, 3, 'both workers and the primary stopped in order');
});
