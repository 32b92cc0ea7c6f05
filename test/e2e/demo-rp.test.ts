// The demo relying party end to end: the provider (startTestApp) and the demo (createDemoRp) each
// on an ephemeral port; a two-origin cookie-jar browser signs citizens in through the provider's
// login page and checks each business item is granted or refused by level, and logout.

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import t from 'tap';
import type { Test } from 'tap';
import { createDemoRp } from '../../src/demo-rp/app.js';
import { acrSatisfies } from '../../src/demo-rp/levels.js';
import { loadPopulationRegistry } from '../../src/mocks/fixtures.js';
import { createTestDatabase, engineName } from '../helpers/database.js';
import { startTestApp } from '../helpers/app.js';
import { createBrowser, formAction, inputValue, type Browser, type Response2 } from '../helpers/http-client.js';
import { freshPhone, registerThroughPages, strongPassword, syntheticIdNumber, type Person } from '../helpers/citizens.js';
import { englishWords } from '../helpers/page-text.js';

/** A browser spanning two origins (the demo and the provider), each with its own cookie jar. */
function twoOriginBrowser(demoUrl: string, providerUrl: string) {
  const demo = createBrowser(demoUrl);
  const op = createBrowser(providerUrl);
  const pick = (url: string): Browser => (new URL(url).origin === new URL(demoUrl).origin ? demo : op);
  async function walk(first: Response2): Promise<Response2> {
    let res = first;
    for (let hop = 0; hop < 20 && res.status >= 300 && res.status < 400 && res.location; hop += 1) res = await pick(res.location).get(res.location);
    return res;
  }
  return {
    demo,
    op,
    visit: async (url: string) => walk(await pick(url).get(url)),
    post: async (url: string, form: Record<string, string>) => walk(await pick(url).post(url, form)),
  };
}
type Walker = ReturnType<typeof twoOriginBrowser>;

const businessSection = 'class="rp-card business"';

t.test(`demo relying party (${engineName})`, async (t) => {
  const testDb = await createTestDatabase();
  t.teardown(() => testDb.drop());

  // The demo's server first: its URL is the redirect URI the provider must know.
  const demoServer = http.createServer();
  await new Promise<void>((resolve) => demoServer.listen(0, '127.0.0.1', resolve));
  const demoUrl = `http://127.0.0.1:${(demoServer.address() as AddressInfo).port}`;
  t.teardown(() => new Promise<void>((resolve) => { demoServer.closeAllConnections(); demoServer.close(() => resolve()); }));

  const devClient = { clientId: 'demo-rp', clientSecret: 'demo-rp-secret-for-tests', redirectUris: [`${demoUrl}/callback`], postLogoutRedirectUris: [`${demoUrl}/`] };
  const app = await startTestApp(t, { database: testDb.database, overrides: { devClient } });
  const errors: string[] = [];
  const demo = createDemoRp({ issuer: app.url, clientId: devClient.clientId, clientSecret: devClient.clientSecret, baseUrl: demoUrl, onError: (m) => errors.push(m) });
  demoServer.on('request', demo.callback());

  const registryPerson = loadPopulationRegistry().find((p) => p.certType === '01' && p.name === '周若溪');
  if (!registryPerson) throw new Error('fixture missing');
  const realName: Person = { certType: '01', documentNumber: registryPerson.idNumber, name: registryPerson.name, phone: freshPhone() };
  const registered: Person = { certType: '01', documentNumber: syntheticIdNumber('19880512'), name: '测试注册', phone: freshPhone() };
  for (const person of [realName, registered]) {
    const done = await registerThroughPages(app, createBrowser(app.url), '/register', person);
    if (done.status !== 201) throw new Error(`registration failed: ${done.status}`);
  }

  /** Opens a business item; when it lands on the provider's login page, signs in with the password. */
  async function openItem(browser: Walker, item: string, person?: Person): Promise<Response2> {
    const page = await browser.visit(`${demoUrl}/items/${item}`);
    if (!person || !/\/interaction\/[\w-]+$/.test(new URL(page.url).pathname)) return page;
    t.match(page.text, /账号密码登录/, 'the provider login page');
    return browser.post(`${page.url}/password`, { _csrf: inputValue(page.text, '_csrf') ?? '', account: person.phone, password: strongPassword });
  }

  /**
   * When the provider answers a higher acr_values with its own step-up page (real-name check, face
   * verification), the citizen gives up there (the page's cancel button): the provider must then
   * send access_denied to the demo. Until step-up lands it returns the lower acr directly.
   */
  async function giveUpStepUp(browser: Walker, result: Response2): Promise<Response2> {
    const stepUp = /\/interaction\/([\w-]+)/.exec(new URL(result.url).pathname);
    if (new URL(result.url).origin !== app.url || !stepUp) return result;
    return browser.post(`${app.url}/interaction/${stepUp[1]}/abort`, { _csrf: inputValue(result.text, '_csrf') ?? '' });
  }

  /** The refusal page a relying party must show: the demo's acr check, or the provider's access_denied. */
  function assertRefused(t: Test, result: Response2, title: string): void {
    t.equal(new URL(result.url).origin, demoUrl, 'back at the demo');
    t.equal(result.status, 403);
    t.match(result.text, `暂时无法办理「${title}」`);
    t.match(result.text, /本次登录的认证等级为 <strong>[^<]+<\/strong>|统一身份认证平台未能完成所需等级的认证：/, 'the demo acr check or the provider refusal');
    t.notMatch(result.text, businessSection, 'never the business data');
    t.same(englishWords(result.text), [], 'no English and no raw error code (access_denied) on the refusal page');
    t.comment(`${title}: refused by ${result.text.includes('本次登录的认证等级为') ? "the demo's acr check" : "the provider's access_denied"}`);
  }

  await t.test('the demo checks acr itself, by order, and refuses unknown values', async (t) => {
    t.ok(acrSatisfies('urn:jsrs:level:real_person:face', 'urn:jsrs:level:real_person'));
    t.ok(acrSatisfies('urn:jsrs:level:real_name', 'urn:jsrs:level:real_name'));
    t.notOk(acrSatisfies('urn:jsrs:level:real_name', 'urn:jsrs:level:real_person'));
    t.notOk(acrSatisfies('urn:jsrs:level:registered', 'urn:jsrs:level:real_name'));
    t.notOk(acrSatisfies(undefined, 'urn:jsrs:level:registered'));
    t.notOk(acrSatisfies('urn:other:high', 'urn:jsrs:level:registered'));
  });

  await t.test('home page: three items, no script, own session cookie', async (t) => {
    const browser = twoOriginBrowser(demoUrl, app.url);
    const home = await browser.visit(`${demoUrl}/`);
    t.equal(home.status, 200);
    for (const title of ['政策查询', '社保缴费记录查询', '养老待遇资格认证']) t.match(home.text, title);
    t.notMatch(home.text, /<script/i, 'no scripts at all');
    t.match(home.headers.get('content-security-policy') ?? '', /default-src 'none'/);
    const start = await browser.demo.get(`${demoUrl}/items/policy`);
    t.equal(start.status, 302);
    const authorize = new URL(start.location as string);
    t.equal(authorize.origin, app.url, 'redirects to the provider');
    t.equal(authorize.searchParams.get('acr_values'), 'urn:jsrs:level:registered');
    t.equal(authorize.searchParams.get('code_challenge_method'), 'S256');
    t.ok(authorize.searchParams.get('state') && authorize.searchParams.get('nonce'), 'state and nonce');
    const cookie = start.headers.getSetCookie().find((c) => c.startsWith('demo_rp_session='));
    t.match(cookie, /httponly/i);
    t.match(cookie, /samesite=lax/i);
    t.ok(start.headers.getSetCookie().some((c) => c.startsWith('demo_rp_session.sig=')), 'signed');
  });

  await t.test('政策查询 works for a registered user; 缴费记录 is refused', async (t) => {
    const browser = twoOriginBrowser(demoUrl, app.url);
    const page = await openItem(browser, 'policy', registered);
    t.equal(page.status, 200, 'back at the demo');
    t.equal(page.url, `${demoUrl}/items/policy`);
    t.match(page.text, businessSection);
    t.match(page.text, '最新政策');
    t.match(page.text, registered.name);
    t.match(page.text, 'urn:jsrs:level:registered');
    t.match(page.text, /注册用户（registered）/);
    t.match(page.text, /密码（pwd）/);

    const refused = await giveUpStepUp(browser, await openItem(browser, 'contributions'));
    assertRefused(t, refused, '社保缴费记录查询');
  });

  await t.test('社保缴费记录查询 works for a real_name user, number masked', async (t) => {
    const browser = twoOriginBrowser(demoUrl, app.url);
    const page = await openItem(browser, 'contributions', realName);
    t.equal(page.status, 200);
    t.equal(page.url, `${demoUrl}/items/contributions`);
    t.match(page.text, businessSection);
    t.match(page.text, '近 12 个月缴费记录');
    t.match(page.text, 'urn:jsrs:level:real_name');
    t.match(page.text, /实名用户（real_name）/);
    const masked = `${realName.documentNumber.slice(0, 4)}${'*'.repeat(realName.documentNumber.length - 8)}${realName.documentNumber.slice(-4)}`;
    t.match(page.text, masked, 'masked document number');
    t.notMatch(page.text, realName.documentNumber, 'never the full number');

    await t.test('政策查询 needs no new sign-in at a higher level', async (t) => {
      const policy = await browser.visit(`${demoUrl}/items/policy`);
      t.equal(policy.status, 200);
      t.match(policy.text, '最新政策');
    });

    await t.test('养老待遇资格认证 is refused cleanly', async (t) => {
      const result = await giveUpStepUp(browser, await openItem(browser, 'pension'));
      assertRefused(t, result, '养老待遇资格认证');
      t.match(result.text, '实人用户', 'names the level needed');
      t.notMatch(result.text, '待遇资格认证结果');
      const again = await giveUpStepUp(browser, await browser.visit(`${demoUrl}/items/pension`));
      assertRefused(t, again, '养老待遇资格认证');
    });

    await t.test('logout ends both sessions (RP-initiated logout)', async (t) => {
      const home = await browser.visit(`${demoUrl}/`);
      t.match(home.text, '退出登录');
      const confirm = await browser.post(`${demoUrl}/logout`, { _csrf: inputValue(home.text, '_csrf') ?? '' });
      t.equal(new URL(confirm.url).origin, app.url, 'the provider asks to confirm');
      t.equal(new URL(confirm.url).searchParams.get('id_token_hint'), null, 'the demo logs out with its client_id: no ID token in the URL');
      t.equal(new URL(confirm.url).searchParams.get('client_id'), app.container.config.devClient.clientId);
      const action = formAction(confirm.text, 'op.logoutForm');
      t.ok(action, 'the provider logout form');
      const back = await browser.post(new URL(action as string, app.url).toString(), { xsrf: inputValue(confirm.text, 'xsrf') ?? '', logout: 'yes' });
      t.equal(back.url, `${demoUrl}/`, 'back at the demo home');
      t.notMatch(back.text, '退出登录', 'signed out of the demo');
      const again = await browser.visit(`${demoUrl}/items/policy`);
      t.match(again.url, /\/interaction\/[\w-]+$/, 'the provider asks to sign in again');
    });
  });

  await t.test('a stray or replayed callback is refused', async (t) => {
    const browser = twoOriginBrowser(demoUrl, app.url);
    const res = await browser.visit(`${demoUrl}/callback?code=x&state=unknown`);
    t.equal(res.status, 400);
    t.match(res.text, '登录请求已失效');
    const logout = await browser.post(`${demoUrl}/logout`, { _csrf: 'forged' });
    t.equal(logout.url, `${demoUrl}/`, 'no session: nothing to log out');
  });

  t.same(errors, [], 'no unexpected demo errors');
});
