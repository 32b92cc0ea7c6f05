// The sign-in vocabulary (src/domain/sign-in-methods.ts) is the one list: the config enum, the
// authenticators, the login tabs, the audit events, the dashboards and the health list derive from it,
// and its labels and amr values are the ones CONTRACTS.md fixes.

import t from 'tap';
import { authenticatorBuilders, createAuthenticators } from '../../../src/authenticators/index.js';
import { configSchema, type Config } from '../../../src/config/schema.js';
import { auditEvents } from '../../../src/domain/audit-events.js';
import { amrValues as levelAmrValues } from '../../../src/domain/levels.js';
import {
  amrValues,
  isUpstreamName,
  localMethods,
  signInAuditEvents,
  signInMethodInfo,
  signInMethods,
  upstreamNames,
  type LocalMethod,
  type SignInMethod,
  type UpstreamName,
} from '../../../src/domain/sign-in-methods.js';
import { t as translate } from '../../../src/i18n/index.js';
import { mockNames } from '../../../src/mocks/upstream-mocks.js';
import { loginTabs, type LoginMethod } from '../../../src/pages/interaction/login-page.js';
import { monitoredUpstreams } from '../../../src/services/upstream-health.js';

// Type-level: adding a method to the vocabulary widens each of these, or the build fails.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const typeChecks: Array<true> = [
  true satisfies Same<Config['login']['methods'][number], SignInMethod>,
  true satisfies Same<keyof typeof authenticatorBuilders, SignInMethod>,
  true satisfies Same<LoginMethod, Exclude<SignInMethod, UpstreamName>>,
  true satisfies Same<LocalMethod | UpstreamName, SignInMethod>,
];

t.test('the config enum offers exactly the vocabulary', async (t) => {
  t.equal(typeChecks.length, 4);
  t.same([...configSchema.shape.login.shape.methods.element.options], [...signInMethods]);
});

t.test('every method has an authenticator builder, password and SMS code included', async (t) => {
  t.same(Object.keys(authenticatorBuilders).sort(), [...signInMethods].sort());
  t.same(signInMethods.filter((m) => typeof authenticatorBuilders[m] !== 'function'), []);
});

t.test('the authenticators built are those of the enabled methods that have a builder and a port', async (t) => {
  const services = { qrLogin: {}, flows: {}, passwordSignIn: {}, lockout: {}, accounts: {}, smsCodes: {}, audit: {} } as unknown as Parameters<typeof createAuthenticators>[0]['services'];
  const build = (methods: SignInMethod[]) =>
    createAuthenticators({
      config: { issuer: 'https://idp.example', login: { methods } } as unknown as Config,
      services,
      cipher: {} as Parameters<typeof createAuthenticators>[0]['cipher'],
      ports: { upstreams: {}, upstreamSettings: {} } as unknown as Parameters<typeof createAuthenticators>[0]['ports'],
      stateKey: Buffer.alloc(32, 1),
    });
  t.same(Object.keys(build([...signInMethods])).sort(), ['federatedState', 'password', 'qr', 'sms'], 'no upstream port configured: only the local methods');
  t.same(Object.keys(build(['password', 'sms'])).sort(), ['federatedState', 'password', 'sms'], 'QR not enabled: absent');
});

t.test('the login tabs are the local methods, in the order CONTRACTS.md shows them', async (t) => {
  t.same(loginTabs(signInMethods), [...localMethods]);
  t.same(loginTabs(['sms', 'essc', 'password']), ['password', 'sms'], 'vocabulary order, enabled ones only');
  t.same(
    localMethods.map((m) => translate('zh-CN', signInMethodInfo[m].label)),
    ['扫码登录', '账号密码登录', '手机动态码登录'],
  );
  t.same(
    upstreamNames.map((m) => translate('zh-CN', signInMethodInfo[m].label)),
    ['电子社保卡登录', '江苏政务登录', '支付宝登录'],
  );
});

t.test('amr values are the CONTRACTS.md ones and each method asserts its own', async (t) => {
  t.same([...amrValues], ['pwd', 'sms', 'qr', 'face', 'fed', 'essc', 'jszw', 'alipay']);
  t.equal(levelAmrValues, amrValues, 'levels.ts re-exports the same list');
  t.same(signInMethodInfo.password.amr, ['pwd']);
  t.same(signInMethodInfo.sms.amr, ['sms']);
  t.same(signInMethodInfo.qr.amr, ['qr']);
  for (const name of upstreamNames) t.same(signInMethodInfo[name].amr, ['fed', name], name);
});

t.test('audit events, upstream health and mocks include every method and upstream', async (t) => {
  t.same([...signInAuditEvents], signInMethods.map((m) => `signin.${m}`));
  for (const m of signInMethods) {
    t.equal(signInMethodInfo[m].auditEvent, `signin.${m}`);
    t.ok((auditEvents as readonly string[]).includes(`signin.${m}`), `audit event signin.${m}`);
  }
  t.same([...monitoredUpstreams], ['registry', 'sms', 'face', ...upstreamNames]);
  t.same([...mockNames], [...upstreamNames, 'face']);
  t.ok(isUpstreamName('alipay'));
  t.notOk(isUpstreamName('password'));
  t.notOk(isUpstreamName('toString'));
});
