// Userinfo and the token endpoint read the token's account in the token's own round trip: userinfo
// is one database statement, each citizen's claims are their own under parallel requests, and an
// account deleted after its token was issued gets no claims.

import t from 'tap';
import * as client from 'openid-client';
import { loadPopulationRegistry } from '../../src/mocks/fixtures.js';
import { createTestDatabase, engineName } from '../helpers/database.js';
import { startTestApp } from '../helpers/app.js';
import { createBrowser, inputValue } from '../helpers/http-client.js';
import { demoRelyingParty } from '../helpers/oidc-flow.js';
import { freshPhone, registerThroughPages, strongPassword, syntheticIdNumber } from '../helpers/citizens.js';

t.test(`claims from the account read with the token (${engineName})`, async (t) => {
  const testDb = await createTestDatabase();
  t.teardown(() => testDb.drop());
  const app = await startTestApp(t, { database: testDb.database });
  const { db, stats } = testDb.database;
  const fixture = loadPopulationRegistry().filter((p) => p.certType === '01')[43];
  if (!fixture) throw new Error('fixture too small');
  const citizens = {
    realName: { certType: '01', documentNumber: fixture.idNumber, name: fixture.name, phone: freshPhone() },
    registered: { certType: '01', documentNumber: syntheticIdNumber(), name: '未核验', phone: freshPhone() },
  };
  for (const person of Object.values(citizens)) {
    t.equal((await registerThroughPages(app, createBrowser(app.url), '/register', person)).status, 201, `${person.name} registered`);
  }

  const rp = await demoRelyingParty(app);
  const accessTokenOf = async (phone: string) => {
    const browser = createBrowser(app.url);
    const flow = await rp.authorize(browser);
    const signedIn = await browser.post(`${flow.page.url}/password`, { _csrf: inputValue(flow.page.text, '_csrf') ?? '', account: phone, password: strongPassword });
    if (signedIn.status !== 303) throw new Error(`sign-in answered ${signedIn.status}`);
    const tokens = await rp.finish(browser, signedIn.location as string, flow);
    return { accessToken: tokens.access_token, sub: tokens.claims()?.sub as string };
  };
  const realName = await accessTokenOf(citizens.realName.phone);
  const registered = await accessTokenOf(citizens.registered.phone);
  t.not(realName.sub, registered.sub);

  await t.test('userinfo costs one statement: the token, its grant and its account together', async (t) => {
    // Best of three: a key-reload check of the provider may fall into one of them.
    const counts: number[] = [];
    for (let i = 0; i < 3; i += 1) {
      const before = stats.queries;
      const info = await client.fetchUserInfo(rp.config, realName.accessToken, realName.sub);
      counts.push(stats.queries - before);
      t.match(info, { sub: realName.sub, identity_level: 'real_name', name: fixture.name, id_number: fixture.idNumber });
    }
    t.equal(Math.min(...counts), 1, `statements per userinfo: ${counts.join(', ')}`);
  });

  await t.test('parallel userinfo for two citizens: each gets their own identity and level', async (t) => {
    const asked = Array.from({ length: 24 }, (_, i) => (i % 2 === 0 ? realName : registered));
    const answers = await Promise.all(asked.map((who) => client.fetchUserInfo(rp.config, who.accessToken, who.sub)));
    const wrong = answers.filter((info, i) => {
      const who = asked[i] === realName ? { sub: realName.sub, level: 'real_name', name: fixture.name } : { sub: registered.sub, level: 'registered', name: '未核验' };
      return info.sub !== who.sub || info.identity_level !== who.level || info.name !== who.name;
    });
    t.equal(wrong.length, 0, 'no answer carries the other citizen’s identity or level');
  });

  await t.test('the account disabled after its token was issued: userinfo refuses', async (t) => {
    const userinfo = () => fetch(`${app.url}/me`, { headers: { authorization: `Bearer ${registered.accessToken}` } });
    t.equal((await userinfo()).status, 200, 'answered while the account is active');
    await db.updateTable('accounts').set({ status: 'disabled' }).where('id', '=', registered.sub).execute();
    const disabled = await userinfo();
    t.equal(disabled.status, 401);
    t.match(disabled.headers.get('www-authenticate'), /error="invalid_token"/);
    await db.deleteFrom('accounts').where('id', '=', registered.sub).execute();
    const deleted = await userinfo();
    t.equal(deleted.status, 401, 'and deleted: the same');
    t.match(deleted.headers.get('www-authenticate'), /error="invalid_token"/);
  });
});
