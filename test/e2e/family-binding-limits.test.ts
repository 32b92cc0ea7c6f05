// 亲情号 binding is no free registry oracle (issue 12), over HTTP: the captcha is checked before
// anything else, a binder has a daily number of attempts that parallel requests cannot exceed,
// and a registered member hears by SMS (no code, the way out named) that someone tried.

import t from 'tap';
import { createControllableClock } from '../../src/domain/clock.js';
import { loadPopulationRegistry } from '../../src/mocks/fixtures.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { freshPhone, registerThroughPages, strongPassword, syntheticIdNumber, type Person } from '../helpers/citizens.js';
import { createTestDatabase, engineName } from '../helpers/database.js';
import { createBrowser, inputValue, type Browser, type Response2 } from '../helpers/http-client.js';
import { captchaAnswer } from '../helpers/oidc-flow.js';

const limit = 3;
const csrf = (page: Response2) => inputValue(page.text, '_csrf') ?? '';

async function signInToCentre(browser: Browser, account: string): Promise<void> {
  const login = await browser.follow('/account/family');
  if (new URL(login.url).pathname === '/account/family' && login.status === 200) return; // still signed in
  const res = await browser.post(`${login.url}/password`, { _csrf: csrf(login), account, password: strongPassword });
  if (res.status !== 303 || !res.location) throw new Error(`password sign-in answered ${res.status}`);
  const landed = await browser.follow(res.location);
  if (landed.status !== 200) throw new Error(`the centre answered ${landed.status}`);
}

async function outbox(app: TestApp, phone: string): Promise<Array<{ text: string }>> {
  return (await (await fetch(`${app.url}/dev/outbox.json?phone=${encodeURIComponent(phone)}`)).json()) as Array<{ text: string }>;
}

t.test(`family binding: captcha, daily limit, notice to a registered member (${engineName})`, async (t) => {
  const testDb = await createTestDatabase();
  t.teardown(() => testDb.drop());
  const clock = createControllableClock();
  const app = await startTestApp(t, { database: testDb.database, clock, overrides: { rateLimits: { postsPerIpPerMinute: 100_000 }, family: { bindAttemptsPerDay: limit } } });
  const db = testDb.database.db;
  const people = loadPopulationRegistry().filter((p) => p.certType === '01').slice(40, 44);
  const [binderA, binderB, memberPerson, relative] = people;
  if (!binderA || !binderB || !memberPerson || !relative) throw new Error('fixture too small');
  const asPerson = (p: { idNumber: string; name: string }): Person => ({ certType: '01', documentNumber: p.idNumber, name: p.name, phone: freshPhone() });
  const [a, b, member] = [asPerson(binderA), asPerson(binderB), asPerson(memberPerson)];
  for (const person of [a, b, member]) t.equal((await registerThroughPages(app, createBrowser(app.url), '/register', person)).status, 201, `${person.name} registered`);
  const idOf = async (p: Person) => (await app.container.services.accounts.findAccountIdByDocument(p.documentNumber)) as string;
  const [aId, bId, memberId] = [await idOf(a), await idOf(b), await idOf(member)];

  const browserA = createBrowser(app.url);
  await signInToCentre(browserA, a.phone);
  /** The bind form solved (or answered with `captcha`), ready to post. */
  const bindForm = async (browser: Browser, who: { documentNumber: string; name: string }, captcha?: string) => {
    const page = await browser.get('/account/family');
    return { _csrf: csrf(page), certType: '01', documentNumber: who.documentNumber, name: who.name, relation: 'parent', captchaId: inputValue(page.text, 'captchaId') ?? '', captcha: captcha ?? (await captchaAnswer(app)) };
  };
  const bind = async (browser: Browser, who: { documentNumber: string; name: string }, captcha?: string) => browser.post('/account/family/bind', await bindForm(browser, who, captcha));
  const attempts = async (accountId: string) => (await db.selectFrom('rate_limits').select('count').where('bucket', '=', `family:bind:${accountId}`).executeTakeFirst())?.count ?? 0;
  const normalise = (html: string) => html.replace(/value="[^"]*"/g, '').replace(/data-pow-challenge="[^"]*"/g, '').replace(/src="data:image\/[^"]*"/g, '');

  await t.test('the captcha comes before anything else', async (t) => {
    const noticesBefore = (await outbox(app, member.phone)).length;
    const registered = await bind(browserA, member, 'zzzz');
    const unknown = await bind(browserA, { documentNumber: syntheticIdNumber('19500101'), name: '无此人' }, 'zzzz');
    t.equal(registered.status, 400, 'a wrong captcha is refused');
    t.match(registered.text, /图形验证码错误或已失效/);
    t.same({ status: unknown.status, page: normalise(unknown.text) }, { status: registered.status, page: normalise(registered.text) }, 'alike for a registered and an unknown document');
    t.equal(await attempts(aId), 0, 'nothing is counted');
    t.equal((await outbox(app, member.phone)).length, noticesBefore, 'nobody is told');
    t.equal((await db.selectFrom('audit_events').select('id').where('subject', '=', aId).where('event', '=', 'account.family_bound').execute()).length, 0, 'no attempt reached the registry');
  });

  await t.test('a registered member is told by SMS, at most once a day, with no code and the way out', async (t) => {
    const before = (await outbox(app, member.phone)).length;
    const first = await bind(browserA, member);
    t.equal(first.status, 409, 'the binder still learns the number is registered');
    t.match(first.text, /该证件号码已注册账号/);
    const messages = await outbox(app, member.phone);
    t.equal(messages.length, before + 1, 'the member got one message');
    t.match(messages[0]?.text, /亲情号/);
    t.match(messages[0]?.text, /用户申诉-亲情号解绑/, 'naming the 亲情号解绑 appeal');
    t.notMatch(messages[0]?.text, /\d{4,}/, 'with no code in it');
    t.notMatch(messages[0]?.text, new RegExp(a.name), 'and nothing about the binder');
    const second = await bind(browserA, member);
    t.equal(second.status, 409);
    t.equal((await outbox(app, member.phone)).length, before + 1, 'a second attempt the same day sends nothing more');
    const audit = await db.selectFrom('audit_events').select(['outcome', 'ip']).where('subject', '=', memberId).where('event', '=', 'account.family_attempt_noticed').execute();
    t.equal(audit.length, 1, "the notice is in the member's activity");
    t.equal(audit[0]?.ip ?? null, null, "without the binder's IP address");
  });

  await t.test(`at most ${limit} attempts a day per binder`, async (t) => {
    t.equal(await attempts(aId), 2, 'the two attempts above counted');
    const third = await bind(browserA, { documentNumber: relative.idNumber, name: '张冒名' });
    t.equal(third.status, 422, 'the third is answered');
    const fourth = await bind(browserA, { documentNumber: relative.idNumber, name: relative.name });
    t.equal(fourth.status, 429, 'the fourth is refused');
    t.match(fourth.text, /绑定亲情号的尝试次数已达每日上限/);
    t.equal((await db.selectFrom('family_bindings').select('id').where('binder_account_id', '=', aId).execute()).length, 0, 'and binds nothing');
    clock.advance(86_400_000);
    await signInToCentre(browserA, a.phone); // the centre session may have ended meanwhile
    const nextDay = await bind(browserA, { documentNumber: relative.idNumber, name: relative.name });
    t.equal(nextDay.status, 200, 'a day later the binder may try again');
    t.match(nextDay.text, new RegExp(`已绑定亲情号：${relative.name}`));
  });

  await t.test(`race: 12 parallel attempts with solved captchas, at most ${limit} answered`, async (t) => {
    const browserB = createBrowser(app.url);
    await signInToCentre(browserB, b.phone);
    const forms = [];
    for (let i = 0; i < 12; i += 1) forms.push(await bindForm(browserB, { documentNumber: syntheticIdNumber('19600101'), name: '王某某' }));
    const answers = await Promise.all(forms.map((form) => browserB.post('/account/family/bind', form)));
    const statuses = answers.map((r) => r.status);
    t.equal(statuses.filter((s) => s === 422).length, limit, `exactly ${limit} reached the registry (${statuses.join(' ')})`);
    t.equal(statuses.filter((s) => s === 429).length, 12 - limit, 'every other one was refused');
    const reached = await db.selectFrom('audit_events').select('id').where('subject', '=', bId).where('event', '=', 'account.family_bound').execute();
    t.equal(reached.length, limit, 'the audit trail agrees');
  });
});
