// Upstream configuration: production refuses an enabled federated method without its real URLs and
// keys; development resolves relative base URLs against the issuer and fills in matching dev keys.

import t from 'tap';
import { ConfigError, loadConfig } from '../../../src/config/load.js';
import { publicKeyOf, resolveAgainstIssuer, resolveUpstreamSettings } from '../../../src/adapters/upstreams/from-config.js';
import { minimalProductionEnv as production } from '../../helpers/config-env.js';

t.test('production: federated methods are off unless enabled, and then need their settings', async (t) => {
  t.same(loadConfig({ env: production }).login.methods, ['qr', 'password', 'sms']);
  const err = t.throws(() => loadConfig({ env: { ...production, LOGIN_METHODS: 'qr,password,essc,jszw,alipay' } })) as ConfigError;
  const text = err.problems.join('\n');
  t.match(text, /ESSC_CHANNEL_KEY/);
  t.match(text, /JSZW_CLIENT_SECRET/);
  t.match(text, /ALIPAY_PRIVATE_KEY/);
  const ok = loadConfig({
    env: {
      ...production,
      LOGIN_METHODS: 'qr,password,jszw',
      JSZW_BASE_URL: 'https://sso.jszwfw.gov.cn/oauth',
      JSZW_CLIENT_SECRET: 'real-secret',
    },
  });
  t.same(ok.login.methods, ['qr', 'password', 'jszw']);
  t.throws(() => loadConfig({ env: { ...production, LOGIN_METHODS: 'jszw', JSZW_BASE_URL: 'https://id.example.gov.cn/mock/jszw', JSZW_CLIENT_SECRET: 's' } }), 'a mock URL is refused in production');
  const settings = resolveUpstreamSettings(ok);
  t.equal(settings.essc.key, undefined, 'production never generates keys');
  t.equal(settings.devMock, undefined);
});

t.test('development: relative URLs resolve against the issuer; generated keys agree', async (t) => {
  t.equal(resolveAgainstIssuer('http://localhost:3000/', '/mock/essc', '/x'), 'http://localhost:3000/mock/essc');
  t.equal(resolveAgainstIssuer('http://localhost:3000', '', '/mock/jszw'), 'http://localhost:3000/mock/jszw');
  t.equal(resolveAgainstIssuer('http://localhost:3000', 'https://real.example/api', '/x'), 'https://real.example/api');
  const config = loadConfig({ env: { NODE_ENV: 'development', ISSUER: 'http://localhost:3999', DATA_DIR: 'memory://' } });
  const settings = resolveUpstreamSettings(config);
  t.equal(settings.essc.baseUrl, 'http://localhost:3999/mock/essc');
  t.equal(settings.jszw.tokenUrl, 'http://localhost:3999/mock/jszw/oauth2/token');
  t.equal(settings.alipay.gatewayUrl, 'http://localhost:3999/mock/alipay/gateway.do');
  t.match(settings.essc.key, /^[0-9a-f]{32}$/);
  t.ok(settings.jszw.clientSecret);
  t.ok(settings.devMock?.alipayPrivateKeyPem);
  t.equal(publicKeyOf(settings.devMock!.alipayPrivateKeyPem), settings.alipay.publicKey, 'the mock signs with the key the adapter verifies');
});
