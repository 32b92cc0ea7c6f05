// The product as a newcomer starts it (`npm start` on a fresh clone: no NODE_ENV, no keys, no
// upstream settings, the embedded database, the mounted mocks) completes the journeys that need an
// upstream: a face check through /mock/face and a sign-in through each of 电子社保卡, 江苏政务, 支付宝.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { loadPopulationRegistry, loadUpstreamAccounts } from '../../src/mocks/fixtures.js';
import { loadConfig } from '../../src/config/load.js';
import { freshPhone, registerThroughPages, strongPassword } from '../helpers/citizens.js';
import { createBrowser, inputValue, type Browser, type Response2 } from '../helpers/http-client.js';
import { startNodeProcess } from '../helpers/node-process.js';
import { browsingRelyingParty, lastSmsCode, openidRelyingParty, solvedCaptcha } from '../helpers/oidc-flow.js';
import { pressFace } from '../helpers/face-mock.js';
import { throughAlipay, throughJszw, upstreamBrowser } from '../helpers/upstreams.js';

const csrf = (page: Response2) => inputValue(page.text, '_csrf') ?? '';
const hrefOf = (html: string, text: string) => new RegExp(`<a[^>]*href="([^"]+)"[^>]*>${text}</a>`).exec(html)?.[1]?.replaceAll('&amp;', '&');
const uidOf = (url: string) => /\/interaction\/([\w-]+)/.exec(url)?.[1] as string;
const upstreams = loadUpstreamAccounts();

// Starting the embedded engine and compiling through tsx takes minutes on a busy 2-core machine.
t.setTimeout(600_000);
const dataDir = mkdtempSync(join(tmpdir(), 'jsrs-newcomer-'));
t.teardown(() => rmSync(dataDir, { recursive: true, force: true }));
const node = await startNodeProcess({ DATA_DIR: dataDir }, { asNewcomer: true });
t.teardown(async () => {
  await node.stop();
});
// The issuer a newcomer gets: http://localhost:<PORT>; every page and mock is reached through it.
const app = { url: `http://localhost:${node.port}` };
const demo = loadConfig({ env: {} }).devClient;
const rp = browsingRelyingParty(await openidRelyingParty(app, { clientId: demo.clientId, clientSecret: demo.clientSecret }));

/** The bind-phone requirement after a first federated sign-in: number + captcha → code → done. */
async function bindPhone(browser: Browser, next: Response2): Promise<Response2> {
  const phone = freshPhone();
  const form = await browser.get(next.location as string);
  const sent = await browser.post(form.url.replace(/\?.*$/, '/send'), { _csrf: csrf(form), flow: inputValue(form.text, 'flow') ?? '', phone, ...(await solvedCaptcha(app, form.text)) });
  return browser.post(form.url.replace(/\?.*$/, '/verify'), { _csrf: csrf(sent), flow: inputValue(sent.text, 'flow') ?? '', code: (await lastSmsCode(app, phone)) ?? '' });
}

/** Follows a first federated sign-in to the client, binding a phone when asked. */
async function toClient(browser: Browser, res: Response2, flow: { pkce: string; state: string; nonce: string }) {
  const next = /\/bind-phone\?flow=/.test(res.location ?? '') ? await bindPhone(browser, res) : res;
  return rp.finish(browser, next.location as string, flow);
}

t.test('the server started as npm start does: no NODE_ENV, no keys, the embedded database', async (t) => {
  t.match(node.output(), /generated|development/i, 'it says it generated its development key');
  const discovery = (await (await fetch(`${app.url}/.well-known/openid-configuration`)).json()) as { issuer: string };
  t.equal(discovery.issuer, app.url);
});

t.test('a face check through the mounted /mock/face raises a 实名 citizen to 实人', async (t) => {
  const person = loadPopulationRegistry().find((p) => p.faceEnrolled && p.certType === '01' && p.name === '龚美玲');
  if (!person) throw new Error('fixture missing');
  const phone = freshPhone();
  const browser = createBrowser(app.url);
  const registered = await registerThroughPages(app, browser, '/register', { certType: '01', documentNumber: person.idNumber, name: person.name, phone });
  t.equal(registered.status, 201, 'registered');
  const login = await browser.follow('/account');
  const signedIn = await browser.post(`${login.url}/password`, { _csrf: csrf(login), account: phone, password: strongPassword });
  const home = await browser.follow(signedIn.location as string);
  t.match(home.text, /实名用户/);

  const facePage = await browser.get('/account/face');
  const started = await browser.post('/account/face/start', { _csrf: csrf(facePage) });
  t.equal(started.status, 303, 'the face check starts (the verifier and the mounted mock agree on their keys)');
  const checking = await browser.get(started.location as string);
  const certifyUrl = hrefOf(checking.text, '模拟扫码') as string;
  t.ok(certifyUrl.startsWith(`${app.url}/mock/face/`), 'the phone opens the mounted face mock');
  t.equal(await pressFace(certifyUrl, 'pass'), 200, 'the phone passes the check');
  const done = await browser.post('/account/face/continue', { _csrf: csrf(checking), flow: inputValue(checking.text, 'flow') ?? '' });
  t.equal(done.status, 303, 'the result is asked from the verifier and accepted');
  t.match((await browser.get('/account')).text, /实人用户/, 'the citizen is 实人');
});

t.test('电子社保卡 sign-in through the mounted mock', async (t) => {
  const holder = upstreams.essc[2]!; // nobody this file registers
  const browser = createBrowser(app.url);
  const flow = await rp.authorize(browser);
  const uid = uidOf(flow.page.url);
  const begun = await browser.post(`/interaction/${uid}/federated/essc`, { _csrf: csrf(flow.page) });
  t.equal(begun.status, 303);
  const qrPage = await browser.get(begun.location as string);
  const qrContent = hrefOf(qrPage.text, '模拟扫码') as string;
  t.ok(qrContent.startsWith(`${app.url}/mock/essc`), 'the QR opens the mounted platform');
  const up = upstreamBrowser();
  await up(qrContent);
  const answered = await up(qrContent.replace(/\?.*$/, ''), { qrId: new URL(qrContent).searchParams.get('qrId') ?? '', action: 'confirm', cardNo: holder.cardNo });
  t.equal(answered.status, 200);
  const esscFlow = inputValue(qrPage.text, 'flow') ?? '';
  const polled = JSON.parse((await browser.get(`/interaction/${uid}/federated/essc/status.json?flow=${esscFlow}`)).text) as { state: string };
  t.equal(polled.state, 'authorized');
  const complete = await browser.post(`/interaction/${uid}/federated/essc/complete`, { _csrf: csrf(qrPage), flow: esscFlow });
  const claims = (await toClient(browser, complete, flow)).claims();
  t.same(claims?.amr, ['fed', 'essc']);
  t.equal(claims?.acr, 'urn:jsrs:level:real_name');
});

t.test('江苏政务 sign-in through the mounted mock', async (t) => {
  const account = upstreams.jszw.find((a) => a.level === '实人')!;
  const browser = createBrowser(app.url);
  const flow = await rp.authorize(browser);
  const begun = await browser.post(`/interaction/${uidOf(flow.page.url)}/federated/jszw`, { _csrf: csrf(flow.page) });
  t.ok((begun.location ?? '').startsWith(`${app.url}/mock/jszw/`), 'redirected to the mounted 江苏政务');
  const callback = await throughJszw(begun.location as string, account);
  const back = await browser.get(callback);
  const complete = await browser.get(back.location as string);
  const claims = (await toClient(browser, complete, flow)).claims();
  t.same(claims?.amr, ['fed', 'jszw']);
  t.equal(claims?.acr, 'urn:jsrs:level:real_person');
});

t.test('支付宝 sign-in through the mounted mock', async (t) => {
  const account = upstreams.alipay.find((a) => a.certified)!;
  const browser = createBrowser(app.url);
  const flow = await rp.authorize(browser);
  const begun = await browser.post(`/interaction/${uidOf(flow.page.url)}/federated/alipay`, { _csrf: csrf(flow.page) });
  t.ok((begun.location ?? '').startsWith(`${app.url}/mock/alipay/`), 'redirected to the mounted 支付宝');
  const callback = await throughAlipay(begun.location as string, account);
  const back = await browser.get(callback);
  const complete = await browser.get(back.location as string);
  const claims = (await toClient(browser, complete, flow)).claims();
  t.same(claims?.amr, ['fed', 'alipay']);
  t.equal(claims?.acr, 'urn:jsrs:level:real_name');
});
