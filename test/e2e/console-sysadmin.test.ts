// Issue 17: the system administrator's console pages: create and edit a relying party (first_party,
// scopes such as cases:write, catalogue fields), rotate its secret, rotate signing keys, and read
// the running configuration with every secret masked; each action audited with staff and role.

import t from 'tap';
import { createControllableClock } from '../../src/domain/clock.js';
import { startTestApp } from '../helpers/app.js';
import { createTestDatabase, engineName } from '../helpers/database.js';
import { csrf, enrolledStaff } from '../helpers/console.js';

t.test(`system administrator (${engineName})`, async (t) => {
  const testDb = await createTestDatabase();
  t.teardown(() => testDb.drop());
  const clock = createControllableClock(new Date('2026-12-02T02:00:00Z'));
  const app = await startTestApp(t, { database: testDb.database, clock, env: { REGISTRATION_ACCESS_TOKEN: 'registration-token-0123456789' } });
  const { db } = app.container.database;
  const sys = await enrolledStaff(app, clock, 'sys', ['sysadmin']);

  for (const lang of ['en', 'zh-CN']) {
    for (const path of ['/console', '/console/clients', '/console/config']) {
      const res = await sys.browser.get(`${path}?lang=${lang}`);
      t.equal(res.status, 200, `${path} in ${lang}`);
      t.notMatch(res.text.replace(/<[^>]+>/g, ' '), /\bconsole\.[a-z_]+(\.[a-z_]+)?\b/, `${path} in ${lang} shows no raw message key`);
    }
  }
  t.match((await sys.browser.get('/console?lang=en')).text, /Successful sign-ins per method/, 'English has its own words');
  const list = await sys.browser.get('/console/clients?lang=zh-CN');
  t.equal(list.status, 200);
  const created = await sys.browser.post('/console/clients', { _csrf: csrf(list), name: '案件办理', redirectUris: 'https://cases.example/cb', scopes: 'cases:write', requiredLevel: 'real_name' });
  t.equal(created.status, 200);
  const clientId = /rp-[0-9a-f]{16}/.exec(created.text)?.[0] as string;
  const secret = /data-client-secret>([^<]+)</.exec(created.text)?.[1];
  t.ok(clientId && secret, 'the new client id and its secret, shown once');
  t.match(await app.container.clients.find(clientId), { client_name: '案件办理', scope: /^openid .*(^| )cases:write$/, required_level: 'real_name', client_secret: secret }, 'the extra scope is added to the standard ones');

  const edit = await sys.browser.get(`/console/clients/${clientId}`);
  t.notOk(edit.text.includes(secret as string), 'the edit page never shows the secret');
  const saved = await sys.browser.post(`/console/clients/${clientId}`, { _csrf: csrf(edit), name: '案件办理', redirectUris: 'https://cases.example/cb', scopes: 'cases:write cases:read', firstParty: 'on', catalogue: 'on', description: '劳动仲裁案件', requiredLevel: 'real_name', reason: 'ticket 7' });
  t.equal(saved.status, 200);
  t.match(await app.container.clients.find(clientId), { first_party: true, public_service: true, service_description: '劳动仲裁案件', scope: /^openid .* cases:write cases:read$/, client_secret: secret });
  const updated = await db.selectFrom('audit_events').selectAll().where('event', '=', 'client.updated').executeTakeFirstOrThrow();
  t.match(updated, { actor: `staff:${sys.staffId}`, details: { clientId, role: 'sysadmin', reason: 'ticket 7' } });

  const rotated = await sys.browser.post(`/console/clients/${clientId}/rotate-secret`, { _csrf: csrf(edit) });
  const newSecret = /data-client-secret>([^<]+)</.exec(rotated.text)?.[1];
  t.ok(newSecret && newSecret !== secret, 'a new secret');
  t.equal((await app.container.clients.find(clientId))?.client_secret, newSecret);

  const config = await sys.browser.get('/console/config');
  t.equal(config.status, 200);
  t.notOk(config.text.includes('registration-token-0123456789'), 'the configuration view masks secrets');
  t.notOk(config.text.includes('MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY'), 'and the encryption key');
  t.match(config.text, /registrationAccessToken&quot;: &quot;••••/);
  const kidsBefore = (await db.selectFrom('signing_keys').select('kid').where('use', '=', 'sig').where('status', '=', 'active').execute()).map((r) => r.kid);
  const keys = await sys.browser.post('/console/keys/rotate', { _csrf: csrf(config), use: 'sig', reason: 'yearly rotation' });
  t.equal(keys.status, 200);
  const kidsAfter = (await db.selectFrom('signing_keys').select('kid').where('use', '=', 'sig').where('status', '=', 'active').execute()).map((r) => r.kid);
  t.ok(kidsAfter.length > 0 && kidsAfter.every((k) => !kidsBefore.includes(k)), 'new active signing keys');
  t.match(await db.selectFrom('audit_events').selectAll().where('event', '=', 'keys.rotated').executeTakeFirstOrThrow(), { actor: `staff:${sys.staffId}`, details: { use: 'sig', role: 'sysadmin', reason: 'yearly rotation' } });
});
