// Issue 17: production runs on PostgreSQL. Without DATABASE_URL it refuses to start unless
// ALLOW_EMBEDDED_DATABASE=true says otherwise, and then the start logs a warning.

import { Writable } from 'node:stream';
import t from 'tap';
import { ConfigError, loadConfig } from '../../../src/config/load.js';
import { createLogger } from '../../../src/log/logger.js';
import { minimalProductionEnv } from '../../helpers/config-env.js';
import { startTestApp } from '../../helpers/app.js';
import { createTestDatabase } from '../../helpers/database.js';
import { productionEnv, productionIssuer } from '../../helpers/production-app.js';

t.test('production requires DATABASE_URL unless the embedded engine is explicitly allowed', async (t) => {
  const { DATABASE_URL: _url, ...withoutUrl } = minimalProductionEnv;
  const err = t.throws(() => loadConfig({ env: withoutUrl })) as ConfigError;
  t.match(err.problems.join('\n'), /DATABASE_URL: required in production/);
  t.equal(loadConfig({ env: minimalProductionEnv }).databaseUrl, 'postgres://idp@db.example/idp', 'with DATABASE_URL it starts');
  const allowed = loadConfig({ env: { ...withoutUrl, ALLOW_EMBEDDED_DATABASE: 'true' } });
  t.equal(allowed.allowEmbeddedDatabase, true, 'ALLOW_EMBEDDED_DATABASE=true overrides');
  t.equal(loadConfig({ env: {} }).allowEmbeddedDatabase, false, 'off by default; development needs no override');
});

t.test('the override logs a warning when the provider starts', async (t) => {
  const testDb = await createTestDatabase();
  t.teardown(() => testDb.drop());
  const lines: string[] = [];
  const sink = new Writable({ write: (chunk: Buffer, _e, done) => { lines.push(chunk.toString('utf8')); done(); } });
  await startTestApp(t, { database: testDb.database, env: productionEnv, overrides: { issuer: productionIssuer }, logger: createLogger('warn', sink) });
  const warnings = lines.map((l) => JSON.parse(l) as { level: string; msg: string }).filter((l) => l.level === 'warn');
  t.ok(warnings.some((w) => /ALLOW_EMBEDDED_DATABASE=true: production runs on the embedded database/.test(w.msg)), 'a warning names the override');
});
