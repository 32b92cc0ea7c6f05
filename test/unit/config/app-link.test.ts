// Issue 15 (phone first): `appClient.linkBase` / APP_LINK_BASE says where a phone opens the app
// with a QR's ticket — the simulator /dev/app in development, nothing (QR only) by default in
// production — and the link built from it carries the opaque ticket and nothing else.

import t from 'tap';
import { ConfigError, loadConfig } from '../../../src/config/load.js';
import { appLinkFor } from '../../../src/pages/interaction/app-link.js';
import { minimalProductionEnv } from '../../helpers/config-env.js';

const token = `${'a'.repeat(22)}.${'b'.repeat(43)}`;
const ticketUrl = `https://id.example.gov.cn/qr/l/${token}`;

t.test('development opens the simulator on this server; production shows no button by default', async (t) => {
  t.equal(loadConfig({ env: {} }).appClient.linkBase, '/dev/app', 'development: the simulator path');
  t.equal(loadConfig({ env: { NODE_ENV: 'test' } }).appClient.linkBase, '/dev/app', 'tests like development');
  t.equal(loadConfig({ env: minimalProductionEnv }).appClient.linkBase, '', 'production: empty, QR only');
  t.equal(loadConfig({ env: { ...minimalProductionEnv, APP_LINK_BASE: 'cn.gov.jiangsu.jsrs://qr-login' } }).appClient.linkBase, 'cn.gov.jiangsu.jsrs://qr-login', 'APP_LINK_BASE sets the deep link');
  t.equal(loadConfig({ env: { ...minimalProductionEnv, APP_LINK_BASE: 'https://app.hrss.example/open/qr' } }).appClient.linkBase, 'https://app.hrss.example/open/qr', 'or a universal link');
});

t.test('production refuses the simulator path; every mode refuses script and odd values', async (t) => {
  const err = t.throws(() => loadConfig({ env: { ...minimalProductionEnv, APP_LINK_BASE: '/dev/app' } })) as ConfigError;
  t.type(err, ConfigError);
  t.match(err.problems.join('\n'), /APP_LINK_BASE: a path on this server is the development app simulator/);
  for (const bad of ['javascript:alert(1)', 'JavaScript:alert(1)', 'data:text/html,x', '//evil.example/x', 'dev/app', 'jsrs:// space']) {
    const e = t.throws(() => loadConfig({ env: { APP_LINK_BASE: bad } }), bad) as ConfigError;
    t.match(e.problems.join('\n'), /appClient\.linkBase/, `${bad} is refused`);
  }
});

t.test('the link carries the ticket only', async (t) => {
  const dev = appLinkFor('/dev/app', 'http://localhost:3000/', ticketUrl);
  t.equal(dev, `http://localhost:3000/dev/app?ticket=${token}`, 'a path resolves against the issuer');
  t.equal(appLinkFor('/dev/app', 'http://localhost:3000', token), dev, 'from the token as from the URL');
  const deep = new URL(appLinkFor('cn.gov.jiangsu.jsrs://qr-login?from=idp', 'https://id.example.gov.cn', ticketUrl) as string);
  t.equal(deep.protocol, 'cn.gov.jiangsu.jsrs:');
  t.same([...deep.searchParams.keys()].sort(), ['from', 'ticket'], 'the base keeps its own query; nothing else is added');
  t.equal(deep.searchParams.get('ticket'), token);
  t.equal(new URL(appLinkFor('https://app.example/qr?ticket=old', 'https://id.example.gov.cn', ticketUrl) as string).searchParams.getAll('ticket').join(), token, 'a ticket in the base is replaced');
  t.equal(appLinkFor('', 'https://id.example.gov.cn', ticketUrl), undefined, 'no base: no link (QR only)');
  for (const bad of ['', 'not-a-ticket', 'https://id.example.gov.cn/qr/l/short.x', `${token}&name=张三`]) {
    t.equal(appLinkFor('/dev/app', 'http://localhost:3000', bad), undefined, `${bad || '(empty)'} is no ticket`);
  }
});
