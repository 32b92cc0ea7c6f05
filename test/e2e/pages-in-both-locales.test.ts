// Every page a citizen can reach, rendered once in Chinese and once in English: each answers with
// its status (a missing message key throws outside production, so it could not), and no page shows
// a raw message key (`consent.granted`, `account.phone_bound` …) where words should be, and no
// Chinese page shows English (test/helpers/page-text.ts says what counts).

import t from 'tap';
import { loadPopulationRegistry, loadUpstreamAccounts } from '../../src/mocks/fixtures.js';
import { startTestApp } from '../helpers/app.js';
import { freshPhone, registerThroughPages, strongPassword, syntheticIdNumber } from '../helpers/citizens.js';
import { createTestDatabase, engineName } from '../helpers/database.js';
import { createBrowser, inputValue, type Browser, type Response2 } from '../helpers/http-client.js';
import { captchaAnswer, demoRelyingParty } from '../helpers/oidc-flow.js';
import { englishWords, rawKeys } from '../helpers/page-text.js';
import { thirdPartyRelyingParty } from '../helpers/security.js';
import { throughAlipay } from '../helpers/upstreams.js';

const csrf = (page: Response2) => inputValue(page.text, '_csrf') ?? '';
const uidOf = (url: string) => /\/interaction\/([\w-]+)/.exec(url)?.[1] as string;

t.test(`every page renders in both locales with no raw message key (${engineName})`, async (t) => {
  const testDb = await createTestDatabase();
  t.teardown(() => testDb.drop());
  const app = await startTestApp(t, { database: testDb.database, overrides: { rateLimits: { postsPerIpPerMinute: 10_000 } } });
  const registry = loadPopulationRegistry();
  const realNamePerson = registry.find((p) => p.name === '龚美玲')!;

  // Two citizens: a 注册用户 (no registry match) and a 实名用户, with some activity in the trail.
  const registered = { phone: freshPhone(), documentNumber: syntheticIdNumber(), name: '页面测试' };
  const realName = { phone: freshPhone(), documentNumber: realNamePerson.idNumber, name: realNamePerson.name };
  for (const who of [registered, realName]) {
    t.equal((await registerThroughPages(app, createBrowser(app.url), '/register', { certType: '01', ...who })).status, 201);
  }
  const thirdParty = await thirdPartyRelyingParty(app);
  const demo = await demoRelyingParty(app);
  const clientNames = await Promise.all([demo.config.clientMetadata().client_id, thirdParty.config.clientMetadata().client_id].map(async (id) => String((await app.container.clients.find(id))?.client_name)));

  for (const locale of ['zh-CN', 'en'] as const) {
    const seen: Array<[string, Response2]> = [];
    const visit = (browser: Browser) => async (label: string, url: string, status = 200) => {
      const res = await browser.get(url);
      t.equal(res.status, status, `${locale} ${label}: ${status}`);
      seen.push([label, res]);
      return res;
    };
    const browserIn = () => createBrowser(app.url, { headers: { 'accept-language': locale } });

    // Public pages.
    const anon = browserIn();
    const see = visit(anon);
    for (const path of ['/', '/?care=1', '/help', '/privacy', '/privacy/document-rules', '/register', '/recover', '/appeal', '/appeal?type=document', '/appeal?type=phone', '/appeal?type=family', '/dev/outbox', '/dev/app']) await see(path, path);
    await see('not found', '/no-such-page', 404);

    // Recovery and appeal after the identity step.
    const recover = await anon.get('/recover');
    const recovering = await anon.post('/recover', { _csrf: csrf(recover), certType: '01', documentNumber: realName.documentNumber, name: realName.name, captchaId: inputValue(recover.text, 'captchaId') ?? '', captcha: await captchaAnswer(app) });
    t.match(recovering.location, /\/recover\/flow\//, `${locale} recovery identifies (its captcha works)`);
    if (recovering.location) await see('recovery flow', recovering.location);
    const appeal = await anon.get('/appeal?type=document');
    const appealing = await anon.post('/appeal', { _csrf: csrf(appeal), type: 'document', certType: '01', documentNumber: realName.documentNumber, name: realName.name, captchaId: inputValue(appeal.text, 'captchaId') ?? '', captcha: await captchaAnswer(app) });
    if (appealing.location) await see('appeal flow', appealing.location);

    // The sign-in pages of an authorization request.
    const signer = browserIn();
    const login = await demo.authorize(signer);
    seen.push(['login', login.page]);
    const uid = uidOf(login.page.url);
    const seeSigner = visit(signer);
    for (const method of ['qr', 'password', 'sms']) await seeSigner(`login ${method}`, `/interaction/${uid}?method=${method}`);
    await seeSigner('registration from a client', `/interaction/${uid}/register`);
    const essc = await signer.post(`/interaction/${uid}/federated/essc`, { _csrf: csrf(login.page) });
    await seeSigner('电子社保卡 QR', essc.location as string);
    const wrong = await signer.post(`/interaction/${uid}/password`, { _csrf: csrf(login.page), account: registered.phone, password: 'Wrong#pass1' });
    t.ok(wrong.status >= 400 && wrong.status < 500, `${locale} a wrong password re-renders the login page (${wrong.status})`);
    seen.push(['login with an error', wrong]);

    // A first federated sign-in must bind a phone.
    const federated = browserIn();
    const fedLogin = await demo.authorize(federated);
    const toAlipay = await federated.post(`/interaction/${uidOf(fedLogin.page.url)}/federated/alipay`, { _csrf: csrf(fedLogin.page) });
    const callback = await throughAlipay(toAlipay.location as string, loadUpstreamAccounts().alipay.find((a) => a.certified)!);
    const back = await federated.get(callback);
    const complete = await federated.get(back.location as string);
    if (complete.location?.includes('/bind-phone')) await visit(federated)('bind phone', complete.location);

    // Step-up: the real-name form (注册用户) and the face step (实名用户).
    for (const who of [registered, realName]) {
      const stepper = browserIn();
      const flow = await demo.authorize(stepper, { acr_values: 'urn:jsrs:level:real_person' });
      const signed = await stepper.post(`${flow.page.url}/password`, { _csrf: csrf(flow.page), account: who.phone, password: strongPassword });
      const stepUp = await stepper.follow(signed.location as string);
      t.equal(stepUp.status, 200, `${locale} step-up for ${who.name}`);
      seen.push([`step-up ${who === registered ? 'real-name' : 'face'}`, stepUp]);
    }

    // Consent for a third-party client, then the logout confirmation.
    const consenter = browserIn();
    const consentFlow = await thirdParty.authorize(consenter);
    const toConsent = await consenter.post(`${consentFlow.page.url}/password`, { _csrf: csrf(consentFlow.page), account: realName.phone, password: strongPassword });
    const consent = await consenter.follow(toConsent.location as string);
    t.equal(consent.status, 200);
    seen.push(['consent', consent]);
    await visit(consenter)('logout confirmation', '/session/end');

    // The user centre, for both citizens.
    for (const who of [registered, realName]) {
      const citizen = browserIn();
      const centreLogin = await citizen.follow('/account');
      const signedIn = await citizen.post(`${centreLogin.url}/password`, { _csrf: csrf(centreLogin), account: who.phone, password: strongPassword });
      await citizen.follow(signedIn.location as string);
      const seeCentre = visit(citizen);
      for (const path of ['/account', '/account/info', '/account/password', '/account/phone', '/account/links', '/account/family', '/account/apps', '/account/activity', '/account/services', '/account/cases', '/account/cases?status=pending_rating', '/account/rights', '/account/face', '/account/profile/real-name', '/account/profile/real-name?reauth=sms', '/account/delete', '/account/delete?reauth=sms']) {
        await seeCentre(`${who.name} ${path}`, path);
      }
    }

    // The policy texts to agree to again (issue 15): as if a new version were in force since this citizen agreed.
    const accountOf = app.container.secrets.blindIndex('phone', `+86${registered.phone}`);
    const setVersion = (version: string) =>
      testDb.database.db.updateTable('accounts').set({ policy_version: version }).where('id', 'in', (eb) => eb.selectFrom('phones').select('account_id').where('phone_index', '=', accountOf)).execute();
    await setVersion('2000-01-01');
    const agreeing = browserIn();
    const policiesFlow = await demo.authorize(agreeing);
    const toPolicies = await agreeing.post(`${policiesFlow.page.url}/password`, { _csrf: csrf(policiesFlow.page), account: registered.phone, password: strongPassword });
    const policies = await agreeing.follow(toPolicies.location as string);
    t.equal(policies.status, 200);
    t.match(policies.text, /action="\/interaction\/[\w-]+\/policies"/, `${locale} the policies page`);
    seen.push(['policies', policies]);
    await setVersion(app.container.services.policies.version);

    for (const [label, res] of seen) {
      t.same(rawKeys(res.text), [], `${locale} ${label}: no raw message key`);
      if (locale === 'zh-CN') t.same(englishWords(res.text, clientNames), [], `${locale} ${label}: no English on a Chinese page`);
      t.match(res.headers.get('content-language') ?? res.text, locale === 'en' ? /lang="en"|en/ : /zh-CN/, `${locale} ${label}: in ${locale}`);
    }
  }
});
