// The end of a sign-in stores what oidc-provider writes in one statement per request: the return to
// /auth/<uid> (interaction removed; session, grant and code stored) and the token endpoint (the
// tokens). A code still redeems once, in parallel too, and its reuse revokes what it gave.

import t from 'tap';
import * as client from 'openid-client';
import { createTestDatabase, engineName } from '../helpers/database.js';
import { startTestApp } from '../helpers/app.js';
import { createBrowser, inputValue } from '../helpers/http-client.js';
import { browsingRelyingParty, demoRedirect, openidRelyingParty } from '../helpers/oidc-flow.js';
import { freshPhone, registerThroughPages, strongPassword, syntheticIdNumber } from '../helpers/citizens.js';

t.test(`a sign-in's last two requests write once each (${engineName})`, async (t) => {
  const testDb = await createTestDatabase();
  t.teardown(() => testDb.drop());
  const app = await startTestApp(t, { database: testDb.database });
  const { db, stats } = testDb.database;
  const phone = freshPhone();
  t.equal((await registerThroughPages(app, createBrowser(app.url), '/register', { certType: '01', documentNumber: syntheticIdNumber(), name: '写入测试', phone })).status, 201);
  const oidc = await openidRelyingParty(app);
  const rp = browsingRelyingParty(oidc);

  /** Signs in up to the code at the redirect_uri; counts the statements of the password step and of the return to /auth/<uid>. */
  const signInToCode = async () => {
    const browser = createBrowser(app.url);
    const flow = await rp.authorize(browser);
    const atPost = stats.queries;
    const posted = await browser.post(`${flow.page.url}/password`, { _csrf: inputValue(flow.page.text, '_csrf') ?? '', account: phone, password: strongPassword });
    if (posted.status !== 303 || !posted.location) throw new Error(`password answered ${posted.status}`);
    const passwordStatements = stats.queries - atPost;
    const before = stats.queries;
    const landed = await browser.follow(posted.location, (url) => url.startsWith(demoRedirect));
    if (!landed.url.startsWith(demoRedirect)) throw new Error(`did not reach the client: ${landed.url}`);
    return { flow, callback: landed.url, passwordStatements, returnStatements: stats.queries - before };
  };

  await t.test('the password step reads the account once; the return stores session, grant and code in one statement; the token endpoint its tokens in one', async (t) => {
    // Best of three: a key-reload check of the provider may fall into one of them.
    const passwords: number[] = [];
    const returns: number[] = [];
    const redeems: number[] = [];
    for (let i = 0; i < 3; i += 1) {
      const { flow, callback, passwordStatements, returnStatements } = await signInToCode();
      passwords.push(passwordStatements);
      returns.push(returnStatements);
      const before = stats.queries;
      const tokens = await oidc.redeem(callback, flow);
      redeems.push(stats.queries - before);
      const claims = tokens.claims();
      t.ok(tokens.access_token && tokens.refresh_token && claims?.sub, 'tokens and an ID token');
      const info = await client.fetchUserInfo(oidc.config, tokens.access_token, claims?.sub as string);
      t.equal(info.sub, claims?.sub, 'the stored access token answers userinfo');
      const grantId = tokens.access_token && (await db.selectFrom('oidc_payloads').select('grant_id').where('model', '=', 'AccessToken').orderBy('created_at', 'desc').limit(1).executeTakeFirstOrThrow()).grant_id;
      const stored = await db.selectFrom('oidc_payloads').select(['model']).where((eb) => eb.or([eb('grant_id', '=', grantId), eb.and([eb('model', '=', 'Grant'), eb('id', '=', grantId as string)])])).execute();
      t.same(new Set(stored.map((r) => r.model)), new Set(['Grant', 'AuthorizationCode', 'AccessToken', 'RefreshToken']), 'the grant, its code and both tokens are stored');
    }
    // the per-IP limit, the interaction, the account with its credential (one read: the look-up,
    // the hash and the account the sign-in finishes with), the lockout's count and reset, two audit
    // records and the interaction's result
    t.equal(Math.min(...passwords), 8, `statements per password step: ${passwords.join(', ')}`);
    // read the interaction with its account, then one write
    t.equal(Math.min(...returns), 2, `statements per return to /auth/<uid>: ${returns.join(', ')}`);
    // read the code with its grant and account, consume it, then one write
    t.equal(Math.min(...redeems), 3, `statements per code redeemed: ${redeems.join(', ')}`);
  });

  await t.test('a code redeems once, also when two redemptions race', async (t) => {
    const { flow, callback } = await signInToCode();
    const answers = await Promise.allSettled([oidc.redeem(callback, flow), oidc.redeem(callback, flow)]);
    const won = answers.filter((a) => a.status === 'fulfilled');
    t.equal(won.length, 1, 'exactly one of two parallel redemptions gets tokens');
    const lost = answers.find((a) => a.status === 'rejected') as PromiseRejectedResult | undefined;
    t.match(String((lost?.reason as { error?: string })?.error ?? lost?.reason), /invalid_grant/, 'the other is invalid_grant');
  });

  await t.test('a code redeemed again revokes the tokens it gave', async (t) => {
    const { flow, callback } = await signInToCode();
    const tokens = await oidc.redeem(callback, flow);
    const sub = tokens.claims()?.sub as string;
    t.equal((await client.fetchUserInfo(oidc.config, tokens.access_token, sub)).sub, sub);
    const reuse = await oidc.redeem(callback, flow).then(() => 'tokens', (err: { error?: string }) => err.error);
    t.equal(reuse, 'invalid_grant', 'the reuse is refused');
    const after = await fetch(`${app.url}/me`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    t.equal(after.status, 401, 'and the access token it gave no longer works');
  });
});
