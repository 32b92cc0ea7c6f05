// Configuration: defaults, environment overrides, validation with one line per bad key, and the
// settings production refuses to start without.

import t from 'tap';
import { ConfigError, loadConfig } from '../../../src/config/load.js';
import { minimalProductionEnv } from '../../helpers/config-env.js';

t.test('development defaults', async (t) => {
  const config = loadConfig({ env: {} });
  t.equal(config.env, 'development');
  t.equal(config.port, 3000);
  t.equal(config.issuer, 'http://localhost:3000', 'issuer follows the port');
  t.equal(config.databaseUrl, undefined, 'embedded engine by default');
  t.equal(config.dataDir, './data');
  t.ok(Object.isFrozen(config) && Object.isFrozen(config.oidc.ttl), 'frozen all the way down');
});

t.test('environment overrides', async (t) => {
  const config = loadConfig({ env: { PORT: '4100', DATABASE_URL: 'postgres://u@h/db', COOKIE_KEYS: `${'a'.repeat(32)}, ${'b'.repeat(32)}`, TRUST_PROXY: 'true', BCRYPT_COST: '12' } });
  t.equal(config.port, 4100);
  t.equal(config.issuer, 'http://localhost:4100');
  t.equal(config.databaseUrl, 'postgres://u@h/db');
  t.same(config.secrets.cookieKeys, ['a'.repeat(32), 'b'.repeat(32)]);
  t.equal(config.trustProxy, true);
  t.equal(config.security.bcryptCost, 12);
});

t.test('invalid values are reported one line per key', async (t) => {
  const err = t.throws(() => loadConfig({ env: { PORT: 'eighty', ISSUER: 'http://localhost:3000', DATABASE_URL: 'mysql://x', BCRYPT_COST: '99' } })) as ConfigError;
  t.type(err, ConfigError);
  t.equal(err.problems.length, 3);
  t.match(err.problems.join('\n'), /port/);
  t.match(err.problems.join('\n'), /databaseUrl: must be a postgres/);
  t.match(err.problems.join('\n'), /security\.bcryptCost/);
});

t.test('production refuses to start without its settings', async (t) => {
  const err = t.throws(() => loadConfig({ env: { NODE_ENV: 'production' } })) as ConfigError;
  const text = err.problems.join('\n');
  t.match(text, /ENCRYPTION_KEY/);
  t.match(text, /COOKIE_KEYS/);
  t.match(text, /ISSUER: must be an https/);
  t.match(text, /SMS_URL/);
  t.match(text, /REGISTRY_URL/);

  const ok = loadConfig({ env: minimalProductionEnv });
  t.equal(ok.env, 'production');
  t.equal(ok.trustProxy, true, 'production.json turns on the proxy setting');
});
