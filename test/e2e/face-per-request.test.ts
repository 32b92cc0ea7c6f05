// `urn:jsrs:level:real_person:face` means a live face check during this authorization request: a
// second request over the SSO session of one that did a face check runs a new face check, and a
// request that did not run one never asserts the face value.

import t, { type Test } from 'tap';
import { loadPopulationRegistry } from '../../src/mocks/fixtures.js';
import { createTestDatabase, engineName } from '../helpers/database.js';
import { startTestApp } from '../helpers/app.js';
import { createBrowser, inputValue, type Browser, type Response2 } from '../helpers/http-client.js';
import { demoRedirect, demoRelyingParty } from '../helpers/oidc-flow.js';
import { freshPhone, registerThroughPages, strongPassword } from '../helpers/citizens.js';
import { startFaceMock } from '../helpers/face-mock.js';

const face = 'urn:jsrs:level:real_person:face';

t.test(`a face check counts for one authorization request (${engineName})`, async (t) => {
  const faceMock = await startFaceMock();
  t.teardown(() => faceMock.close());
  const testDb = await createTestDatabase();
  t.teardown(() => testDb.drop());
  const app = await startTestApp(t, { database: testDb.database, env: faceMock.env });
  const db = testDb.database.db;
  const rp = await demoRelyingParty(app);
  const person = loadPopulationRegistry().filter((p) => p.certType === '01')[30];
  if (!person) throw new Error('fixture too small');
  const phone = freshPhone();
  t.equal((await registerThroughPages(app, createBrowser(app.url), '/register', { certType: '01', documentNumber: person.idNumber, name: person.name, phone })).status, 201, 'a real-name citizen');
  const faceProofs = async () => (await db.selectFrom('identity_proofs').select('kind').where('kind', '=', 'face_match').execute()).length;

  /** On a step-up page: runs the face check through the mock (the phone passes) and continues; returns where the browser goes next. */
  const passFace = async (t: Test, browser: Browser, stepUp: Response2): Promise<string> => {
    t.match(stepUp.url, /\/step-up\?flow=/, 'the step-up page');
    t.match(stepUp.text, /开始人脸识别/, 'asks for a face check');
    const started = await browser.post(stepUp.url.replace(/\?.*$/, '/face/start'), { _csrf: inputValue(stepUp.text, '_csrf') ?? '', flow: inputValue(stepUp.text, 'flow') ?? '' });
    const facePage = await browser.get(started.location as string);
    const certifyUrl = /<a href="([^"]+)"[^>]*>模拟扫码<\/a>/.exec(facePage.text)?.[1]?.replace(/&amp;/g, '&') as string;
    t.equal(await faceMock.press(certifyUrl, 'pass'), 200, 'the phone passes the face check');
    const done = await browser.post(started.location?.replace(/\?.*$/, '/continue') as string, { _csrf: inputValue(facePage.text, '_csrf') ?? '', flow: inputValue(facePage.text, 'flow') ?? '' });
    t.equal(done.status, 303, 'continue after the pass');
    return done.location as string;
  };

  const browser = createBrowser(app.url);

  // first request: sign in, face check, face acr
  const first = await rp.authorize(browser, { acr_values: face });
  const signedIn = await browser.post(`${first.page.url}/password`, { _csrf: inputValue(first.page.text, '_csrf') ?? '', account: phone, password: strongPassword });
  const firstStepUp = await browser.follow(signedIn.location as string, (u) => u.startsWith(demoRedirect));
  const firstClaims = (await rp.finish(browser, await passFace(t, browser, firstStepUp), first)).claims();
  t.equal(firstClaims?.acr, face, 'the first request asserts the face value');
  t.equal(await faceProofs(), 1);

  await t.test('a second request for the face value runs a new face check', async (t) => {
    const second = await rp.authorize(browser, { acr_values: face });
    t.notOk(second.page.url.startsWith(demoRedirect), 'the SSO session does not answer it silently');
    const claims = (await rp.finish(browser, await passFace(t, browser, second.page), second)).claims();
    t.equal(claims?.acr, face, 'after a new face check the face value');
    t.equal(await faceProofs(), 2, 'a second face check ran and was recorded');
  });

  await t.test('prompt=none cannot have the face value from the session', async (t) => {
    const silent = await rp.authorize(browser, { acr_values: face, prompt: 'none' });
    const url = new URL(silent.page.url);
    t.ok(silent.page.url.startsWith(demoRedirect));
    t.equal(url.searchParams.get('code'), null, 'no code');
    t.ok(url.searchParams.get('error'), `an error instead (${url.searchParams.get('error')})`);
  });

  await t.test('a request without a face check never asserts the face value', async (t) => {
    const plain = await rp.authorize(browser, { acr_values: 'urn:jsrs:level:real_person' });
    t.ok(plain.page.url.startsWith(demoRedirect), 'real_person is met from the SSO session without a page');
    const claims = (await rp.finish(browser, plain.page.url, plain)).claims();
    t.equal(claims?.acr, 'urn:jsrs:level:real_person', 'asserted without :face');
    t.notOk((claims?.amr as string[]).includes('face'), 'and amr names no face check');
    t.equal(claims?.identity_level, 'real_person', 'the account stays real_person');
    t.equal(await faceProofs(), 2, 'no face check ran');
  });
});
