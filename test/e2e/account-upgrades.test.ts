// Level upgrades from the user centre: 基本信息修改 raises 注册用户 to 实名用户 when the registry
// matches (and keeps the document unique), a face check raises 实名用户 to 实人用户; each leaves a
// proof row and an audit event, and nothing the browser claims is trusted.

import t from 'tap';
import { loadPopulationRegistry } from '../../src/mocks/fixtures.js';
import { createTestDatabase, engineName } from '../helpers/database.js';
import { startTestApp } from '../helpers/app.js';
import { createBrowser, inputValue, type Browser, type Response2 } from '../helpers/http-client.js';
import { freshPhone, registerThroughPages, strongPassword, syntheticIdNumber } from '../helpers/citizens.js';
import { startFaceMock } from '../helpers/face-mock.js';

const csrf = (page: Response2) => inputValue(page.text, '_csrf') ?? '';

async function signInToCentre(browser: Browser, account: string): Promise<Response2> {
  const login = await browser.follow('/account');
  const res = await browser.post(`${login.url}/password`, { _csrf: csrf(login), account, password: strongPassword });
  return browser.follow(res.location as string);
}

t.test(`upgrades from the user centre (${engineName})`, async (t) => {
  const face = await startFaceMock();
  t.teardown(() => face.close());
  const testDb = await createTestDatabase();
  t.teardown(() => testDb.drop());
  const app = await startTestApp(t, { database: testDb.database, env: face.env });
  const db = testDb.database.db;
  const target = loadPopulationRegistry().find((p) => p.name === '姜德明');
  if (!target) throw new Error('fixture missing');

  const phone = freshPhone();
  const browser = createBrowser(app.url);
  await registerThroughPages(app, browser, '/register', { certType: '01', documentNumber: syntheticIdNumber(), name: '改名前', phone });
  const home = await signInToCentre(browser, phone);
  t.match(home.text, /注册用户/);
  t.match(home.text, /href="\/account\/profile\/real-name"/, 'the home page offers the way to 实名');

  const form = await browser.get('/account/profile/real-name');
  const mismatch = await browser.post('/account/profile/real-name', { _csrf: csrf(form), certType: '01', documentNumber: target.idNumber, name: '不对的名字' });
  t.equal(mismatch.status, 400);
  t.match(mismatch.text, /未通过人口信息库核验/);
  const ok = await browser.post('/account/profile/real-name', { _csrf: csrf(form), certType: '01', documentNumber: target.idNumber, name: target.name });
  t.equal(ok.status, 303);
  const after = await browser.get('/account');
  t.match(after.text, /实名用户/, 'the level rose to 实名用户');
  t.match(after.text, /href="\/account\/face"/, 'and the next step is the face check');

  // a second account may not take the same document through the correction
  const otherPhone = freshPhone();
  const other = createBrowser(app.url);
  await registerThroughPages(app, other, '/register', { certType: '01', documentNumber: syntheticIdNumber('19911111'), name: '另一个人', phone: otherPhone });
  await signInToCentre(other, otherPhone);
  const otherForm = await other.get('/account/profile/real-name');
  const taken = await other.post('/account/profile/real-name', { _csrf: csrf(otherForm), certType: '01', documentNumber: target.idNumber, name: target.name });
  t.equal(taken.status, 409);
  t.match(taken.text, /href="\/appeal\?type=document"/, 'a taken document links to 用户申诉');

  const facePage = await browser.get('/account/face');
  const started = await browser.post('/account/face/start', { _csrf: csrf(facePage) });
  t.equal(started.status, 303);
  const checking = await browser.get(started.location as string);
  const flow = inputValue(checking.text, 'flow') ?? '';
  const early = await browser.post('/account/face/continue', { _csrf: csrf(checking), flow });
  t.equal(early.status, 400, 'claiming success before the verifier says so is refused');
  const certifyUrl = /<a href="([^"]+)"[^>]*>模拟扫码<\/a>/.exec(checking.text)?.[1]?.replace(/&amp;/g, '&') as string;
  await face.press(certifyUrl, 'pass');
  const done = await browser.post('/account/face/continue', { _csrf: csrf(checking), flow });
  t.equal(done.status, 303);
  t.match((await browser.get('/account')).text, /实人用户/, 'the level rose to 实人用户');
  const replay = await browser.post('/account/face/continue', { _csrf: csrf(checking), flow });
  t.equal(replay.status, 400, 'the same check cannot be replayed');

  const accountId = (await app.container.services.accounts.findAccountIdByPhone(`+86${phone}`)) as string;
  const proofs = await db.selectFrom('identity_proofs').select(['kind', 'level', 'adapter']).where('account_id', '=', accountId).orderBy('created_at').execute();
  t.same(proofs.map((p) => [p.kind, p.level]), [['registry_match', 'real_name'], ['face_match', 'real_person']], 'each upgrade is a proof');
  const events = await db.selectFrom('audit_events').select('event').where('subject', '=', accountId).where('event', '=', 'account.level_changed').execute();
  t.equal(events.length, 2, 'and an audit event');
});
