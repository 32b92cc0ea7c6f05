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
  const config = loadConfig({ env: { PORT: '4100', DATABASE_URL: 'postgres://u@h/db', COOKIE_KEYS: `${'a'.repeat(32)}, ${'b'.repeat(32)}`, TRUSTED_PROXIES: '1', BCRYPT_COST: '12' } });
  t.equal(config.port, 4100);
  t.equal(config.issuer, 'http://localhost:4100');
  t.equal(config.databaseUrl, 'postgres://u@h/db');
  t.same(config.secrets.cookieKeys, ['a'.repeat(32), 'b'.repeat(32)]);
  t.equal(config.trustedProxies, 1);
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

  t.match(text, /TRUSTED_PROXIES: required in production/);

  const ok = loadConfig({ env: minimalProductionEnv });
  t.equal(ok.env, 'production');
  t.same(ok.trustedProxies, ['10.0.0.0/8'], 'with its load balancers named');
});

t.test('TRUSTED_PROXIES: a hop count or addresses and CIDRs; none by default', async (t) => {
  t.same(loadConfig({ env: {} }).trustedProxies, [], 'development trusts no proxy: the socket address counts');
  t.equal(loadConfig({ env: { TRUSTED_PROXIES: '2' } }).trustedProxies, 2);
  t.same(loadConfig({ env: { TRUSTED_PROXIES: '10.0.0.0/8, 192.0.2.7,fd00::/8' } }).trustedProxies, ['10.0.0.0/8', '192.0.2.7', 'fd00::/8']);
  t.same(loadConfig({ env: { TRUSTED_PROXIES: 'none' } }).trustedProxies, []);
  const bad = t.throws(() => loadConfig({ env: { TRUSTED_PROXIES: '10.0.0.0/33,lb.internal' } })) as ConfigError;
  t.match(bad.problems.join('\n'), /trustedProxies\.0: an IP address or CIDR/);
  t.match(bad.problems.join('\n'), /trustedProxies\.1: an IP address or CIDR/);
  for (const none of ['0', 'none']) {
    const err = t.throws(() => loadConfig({ env: { ...minimalProductionEnv, TRUSTED_PROXIES: none } })) as ConfigError;
    t.match(err.problems.join('\n'), /TRUSTED_PROXIES: required in production/, `production refuses TRUSTED_PROXIES=${none}`);
  }
});

t.test('TRUST_PROXY is refused with a pointer to TRUSTED_PROXIES', async (t) => {
  for (const value of ['true', 'false']) {
    const err = t.throws(() => loadConfig({ env: { TRUST_PROXY: value } })) as ConfigError;
    t.same(err.problems, ['TRUST_PROXY: removed; set TRUSTED_PROXIES to the number of proxies in front of the provider (e.g. 1) or their addresses/CIDRs (see the README)']);
  }
});

t.test('WORKERS: every core in production on PostgreSQL, one process otherwise; several need PostgreSQL', async (t) => {
  const { availableParallelism } = await import('node:os');
  t.equal(loadConfig({ env: {} }).workers, 1, 'development runs one process');
  t.equal(loadConfig({ env: { NODE_ENV: 'test' } }).workers, 1, 'tests run one process');
  t.equal(loadConfig({ env: { ...minimalProductionEnv, DATABASE_URL: 'postgres://u@h/db' } }).workers, availableParallelism(), 'production: one per core');
  t.equal(loadConfig({ env: { ...minimalProductionEnv, DATABASE_URL: undefined, ALLOW_EMBEDDED_DATABASE: 'true' } }).workers, 1, 'production on the embedded engine (explicitly allowed): one');
  t.equal(loadConfig({ env: { WORKERS: '3', DATABASE_URL: 'postgres://u@h/db' } }).workers, 3);
  const embedded = t.throws(() => loadConfig({ env: { WORKERS: '2' } })) as ConfigError;
  t.match(embedded.problems.join('\n'), /WORKERS: more than 1 needs PostgreSQL/, 'the embedded engine has one writer');
  const zero = t.throws(() => loadConfig({ env: { WORKERS: '0', DATABASE_URL: 'postgres://u@h/db' } })) as ConfigError;
  t.match(zero.problems.join('\n'), /workers/);
});
