// What a relying party receives, over HTTP: the consent page lists every claim a third-party client
// will get however it asked (scope or claims parameter), the sensitive ones marked and agreed to
// separately; the grant holds exactly what was listed; personal claims go to userinfo only, and
// into the ID token only when the claims parameter asks for them there.

import t from 'tap';
import * as client from 'openid-client';
import { loadPopulationRegistry } from '../../src/mocks/fixtures.js';
import { createTestDatabase, engineName } from '../helpers/database.js';
import { startTestApp } from '../helpers/app.js';
import { createBrowser, inputValue, type Browser, type Response2 } from '../helpers/http-client.js';
import { demoRelyingParty, type RelyingParty } from '../helpers/oidc-flow.js';
import { freshPhone, registerThroughPages, strongPassword } from '../helpers/citizens.js';
import { thirdPartyClientId, thirdPartyRelyingParty } from '../helpers/security.js';

const personalClaims = ['name', 'phone_number', 'phone_number_verified', 'cert_type', 'id_number', 'verified_claims', 'family_members'];

/** The text of each <li> of the consent page's list. */
function consentLines(html: string): string[] {
  const list = /<ul class="consent-items">([\s\S]*?)<\/ul>/.exec(html)?.[1] ?? '';
  return [...list.matchAll(/<li>([\s\S]*?)<\/li>/g)].map((m) => (m[1] ?? '').replace(/<[^>]+>/g, '').replace(/\s+/g, ' ').trim());
}

t.test(`claims a relying party receives (${engineName})`, async (t) => {
  const testDb = await createTestDatabase();
  t.teardown(() => testDb.drop());
  const app = await startTestApp(t, { database: testDb.database });
  const db = testDb.database.db;
  const fixture = loadPopulationRegistry().filter((p) => p.certType === '01')[40];
  if (!fixture) throw new Error('fixture too small');
  const phone = freshPhone();
  t.equal((await registerThroughPages(app, createBrowser(app.url), '/register', { certType: '01', documentNumber: fixture.idNumber, name: fixture.name, phone })).status, 201, 'a real-name citizen registered');

  const signIn = async (rp: RelyingParty, browser: Browser, params: Record<string, string>): Promise<{ flow: Awaited<ReturnType<RelyingParty['authorize']>>; page: Response2 }> => {
    const flow = await rp.authorize(browser, params);
    let page = flow.page;
    if (/\/interaction\/[\w-]+$/.test(page.url) && /name="password"/.test(page.text)) {
      const res = await browser.post(`${page.url}/password`, { _csrf: inputValue(page.text, '_csrf') ?? '', account: phone, password: strongPassword });
      page = await browser.follow(res.location as string, (u) => u.startsWith('http://localhost:3001/'));
    }
    return { flow, page };
  };

  await t.test('claims parameter with scope=openid: the consent page lists every claim, the grant holds exactly those', async (t) => {
    const rp = await thirdPartyRelyingParty(app);
    const browser = createBrowser(app.url);
    const claims = {
      userinfo: { id_number: null, phone_number: { essential: true }, verified_claims: null, nickname: null },
      id_token: { name: null, made_up_claim: null },
    };
    const { flow, page } = await signIn(rp, browser, { scope: 'openid', claims: JSON.stringify(claims) });
    t.match(page.text, /授权确认/, 'the consent page');
    const lines = consentLines(page.text);
    const line = (label: string) => lines.find((l) => l.startsWith(label));
    t.ok(line('用户标识'), 'user identifier listed');
    t.ok(line('身份认证等级'), 'identity level listed');
    t.ok(line('本次登录'), 'the sign-in (acr, amr, auth_time) listed');
    t.ok(line('姓名'), 'name listed (asked for in the ID token)');
    t.ok(line('手机号码'), 'phone listed (asked for in userinfo)');
    t.match(line('证件号码') ?? '', /敏感个人信息/, '证件号码 listed and marked as sensitive personal information');
    t.match(line('实名核验结果') ?? '', /敏感个人信息/, 'verified_claims listed and marked as sensitive (document and face verification)');
    t.match(line('实名核验结果') ?? '', /人脸识别/);
    t.notMatch(line('姓名') ?? '', /敏感个人信息/, 'the name is not marked sensitive');
    t.notOk(line('证件类型'), 'the document type was not asked for, so it is not listed');
    t.equal(lines.length, 7, 'nothing else is listed');
    t.match(page.text, /个人信息保护法/, 'the page says why (PIPL)');
    t.notMatch(page.text, /开放注册/, 'an operator-registered client is not called self-registered');

    const grants = () => db.selectFrom('oidc_payloads').select('payload').where('model', '=', 'Grant').execute();
    const refused = await browser.post(`${page.url}/consent`, { _csrf: inputValue(page.text, '_csrf') ?? '' });
    t.equal(refused.status, 400, 'without the separate consent to sensitive information nothing is granted');
    t.match(refused.text, /单独同意/);
    t.equal((await grants()).filter((g) => g.payload.clientId === thirdPartyClientId).length, 0, 'and no grant is saved');

    const allowed = await browser.post(`${page.url}/consent`, { _csrf: inputValue(refused.text, '_csrf') ?? '', agreeSensitive: 'yes' });
    t.equal(allowed.status, 303);
    const tokens = await rp.finish(browser, allowed.location as string, flow);
    const [grant] = (await grants()).filter((g) => g.payload.clientId === thirdPartyClientId);
    const openid = grant?.payload.openid as { scope?: string; claims?: string[] } | undefined;
    t.equal(openid?.scope, 'openid', 'the grant holds the listed scope');
    t.same([...(openid?.claims ?? [])].sort(), ['id_number', 'name', 'phone_number', 'verified_claims'], 'and exactly the listed claims (unknown ones dropped)');

    const idToken = tokens.claims() as Record<string, unknown>;
    t.equal(idToken.name, fixture.name, 'the ID token carries the name it asked for there');
    for (const claim of ['phone_number', 'id_number', 'verified_claims', 'cert_type', 'made_up_claim']) t.notOk(claim in idToken, `the ID token carries no ${claim}`);
    const info = await client.fetchUserInfo(rp.config, tokens.access_token, idToken.sub as string);
    t.equal(info.id_number, fixture.idNumber, 'userinfo carries the document number');
    t.equal(info.phone_number, `+86${phone}`);
    t.equal((info.verified_claims as { claims?: { id_number?: string } }).claims?.id_number, fixture.idNumber);
    for (const claim of ['name', 'cert_type', 'family_members', 'phone_number_verified', 'nickname']) t.notOk(claim in info, `userinfo carries no ${claim} (not asked for there)`);

    const audit = await db.selectFrom('audit_events').select('details').where('event', '=', 'consent.granted').where('client_id', '=', thirdPartyClientId).execute();
    t.same((audit[0]?.details as { claims?: string[] } | undefined)?.claims?.slice().sort(), ['id_number', 'name', 'phone_number', 'verified_claims'], 'the audit trail records what was granted');

    await t.test('a claim not listed before is asked for again, never released silently', async (t) => {
      const more = await signIn(rp, browser, { scope: 'openid', claims: JSON.stringify({ userinfo: { id_number: null, family_members: null } }) });
      t.match(more.page.text, /授权确认/, 'consent again for the new claim');
      const again = consentLines(more.page.text);
      t.ok(again.some((l) => l.startsWith('您绑定的亲情号') && l.includes('敏感个人信息')), 'family numbers listed, sensitive (children)');
      t.ok(again.some((l) => l.startsWith('证件号码')), 'with everything this request will release');
      const denied = await browser.post(`${more.page.url}/abort`, { _csrf: inputValue(more.page.text, '_csrf') ?? '' });
      const back = await browser.follow(denied.location as string, (u) => u.startsWith('http://localhost:3001/'));
      t.equal(new URL(back.url).searchParams.get('error'), 'access_denied', 'denied: the client gets access_denied');
      const [after] = (await grants()).filter((g) => g.payload.clientId === thirdPartyClientId);
      t.notOk(((after?.payload.openid as { claims?: string[] }).claims ?? []).includes('family_members'), 'and the grant did not grow');
    });
  });

  await t.test('claims asked for through a pushed authorization request are listed the same way', async (t) => {
    const rp = await thirdPartyRelyingParty(app);
    const browser = createBrowser(app.url);
    const verifier = client.randomPKCECodeVerifier();
    const url = await client.buildAuthorizationUrlWithPAR(rp.config, {
      redirect_uri: 'http://localhost:3001/callback',
      scope: 'openid',
      claims: JSON.stringify({ userinfo: { id_number: null } }),
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state: 'par-state',
    });
    t.equal(url.searchParams.get('claims'), null, 'the browser never sees the claims parameter');
    const login = await browser.follow(url.toString());
    const signedIn = await browser.post(`${login.url}/password`, { _csrf: inputValue(login.text, '_csrf') ?? '', account: phone, password: strongPassword });
    const page = await browser.follow(signedIn.location as string, (u) => u.startsWith('http://localhost:3001/'));
    const lines = consentLines(page.text);
    t.ok(lines.some((l) => l.startsWith('证件号码') && l.includes('敏感个人信息')), 'the pushed claim is listed, marked sensitive');
  });

  await t.test('a scope-only request lists the scope claims; the English page says the same', async (t) => {
    const rp = await thirdPartyRelyingParty(app);
    const browser = createBrowser(app.url, { headers: { 'accept-language': 'en' } });
    const { page } = await signIn(rp, browser, { scope: 'openid identity', ui_locales: 'en' });
    const lines = consentLines(page.text);
    t.ok(lines.some((l) => l.startsWith('Your identity document number') && l.includes('Sensitive personal information')), 'document number marked sensitive in English');
    t.ok(lines.some((l) => l.startsWith('The type of your identity document') && l.includes('Sensitive personal information')), 'document type marked sensitive');
    t.ok(lines.some((l) => l.startsWith('Your verified identity') && l.includes('face verification')), 'the verified identity names the face verification');
  });

  await t.test('ID tokens carry no personal claims by default; userinfo does', async (t) => {
    const rp = await demoRelyingParty(app);
    const browser = createBrowser(app.url);
    const { flow, page } = await signIn(rp, browser, { scope: 'openid profile phone identity' });
    const tokens = await rp.finish(browser, page.location ?? page.url, flow);
    const idToken = tokens.claims() as Record<string, unknown>;
    for (const claim of personalClaims) t.notOk(claim in idToken, `a full-scope ID token carries no ${claim}`);
    t.equal(idToken.identity_level, 'real_name', 'it carries the level');
    t.equal(idToken.acr, 'urn:jsrs:level:real_name', 'the acr');
    t.ok(Array.isArray(idToken.amr) && (idToken.amr as string[]).includes('pwd'), 'the amr');
    t.type(idToken.auth_time, 'number', 'and auth_time');
    const info = await client.fetchUserInfo(rp.config, tokens.access_token, idToken.sub as string);
    t.equal(info.name, fixture.name, 'userinfo has the name');
    t.equal(info.phone_number, `+86${phone}`, 'the phone');
    t.equal(info.id_number, fixture.idNumber, 'the document number');
    t.equal(info.cert_type, '01');

    const refreshed = await client.refreshTokenGrant(rp.config, tokens.refresh_token as string);
    const refreshedId = refreshed.claims() as Record<string, unknown>;
    for (const claim of personalClaims) t.notOk(claim in refreshedId, `nor does the ID token of a refresh (${claim})`);

    const asked = await signIn(rp, browser, { scope: 'openid profile phone', claims: JSON.stringify({ id_token: { name: null } }) });
    const withName = (await rp.finish(browser, asked.page.location ?? asked.page.url, asked.flow)).claims() as Record<string, unknown>;
    t.equal(withName.name, fixture.name, 'claims.id_token.name puts the name in the ID token');
    t.notOk('phone_number' in withName, 'and nothing else personal');
  });
});
