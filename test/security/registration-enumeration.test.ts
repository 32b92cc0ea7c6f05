// Registration and bind-phone are no registry oracle (issue 12): the captcha is checked first, and
// until the phone's SMS code is proven a taken document, a family-bound document and a taken phone
// get exactly the answer a free one gets (web form, app JSON API, bind-phone after a first
// federated sign-in) — and an SMS goes out in every case (a notice, no code, to a taken phone).
// Once the code is proven, the conflict is told with its 用户申诉 link.

import t from 'tap';
import { loadPopulationRegistry, loadUpstreamAccounts } from '../../src/mocks/fixtures.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { freshPhone, registerThroughPages, strongPassword, syntheticIdNumber } from '../helpers/citizens.js';
import { createTestDatabase, engineName } from '../helpers/database.js';
import { createBrowser, inputValue, type Browser, type Response2 } from '../helpers/http-client.js';
import { captchaAnswer, demoRelyingParty, lastSmsCode, powChallengeOf, solvePow } from '../helpers/oidc-flow.js';
import { startUpstreamMocks, throughAlipay } from '../helpers/upstreams.js';

const csrf = (html: string) => inputValue(html, '_csrf') ?? '';

/** A page with the per-request noise removed: tokens, ids, captcha images, echoed input, masked numbers. */
function normalisePage(html: string): string {
  return html
    .replace(/name="(_csrf|flow|captchaId)" value="[^"]*"/g, 'name="$1" value="…"')
    .replace(/src="data:image\/[^"]*"/g, 'src="data:…"')
    .replace(/data-pow-challenge="[^"]*"/g, 'data-pow-challenge="…"')
    .replace(/(name="(phone|documentNumber|name)"[^>]*value=")[^"]*"/g, '$1…"')
    .replace(/1\d{2}\*{4}\d{4}/g, '1**‑****‑****')
    .replace(/\/interaction\/[\w-]+\//g, '/interaction/…/');
}

/** Status and normalised body: what an observer of the answer can compare. */
const answerOf = (res: Response2) => ({ status: res.status, body: normalisePage(res.text) });

/** A JSON answer with its random parts (flow id, masked number) replaced. */
function jsonAnswerOf(res: Response2) {
  const body = JSON.parse(res.text) as Record<string, unknown>;
  if (typeof body.flow_id === 'string') body.flow_id = '…';
  if (typeof body.masked_phone === 'string') body.masked_phone = body.masked_phone.replace(/^1\d{2}\*{4}\d{4}$/, '1**‑****‑****');
  return { status: res.status, body };
}

async function outbox(app: TestApp, phone: string): Promise<Array<{ text: string }>> {
  return (await (await fetch(`${app.url}/dev/outbox.json?phone=${encodeURIComponent(phone)}`)).json()) as Array<{ text: string }>;
}

t.test(`registration answers alike for taken and free numbers until the phone is proven (${engineName})`, async (t) => {
  const testDb = await createTestDatabase();
  t.teardown(() => testDb.drop());
  const mocks = await startUpstreamMocks(t, { timeoutMs: 3000 });
  const app = await startTestApp(t, {
    database: testDb.database,
    overrides: {
      ...mocks.overrides,
      rateLimits: { postsPerIpPerMinute: 100_000 },
      sms: { perNumberPerMinute: 100, perNumberPerHour: 100, perNumberPerDay: 100, perIpPerHour: 100_000 },
    },
  });
  mocks.attach(app);
  const { services } = app.container;
  const registry = loadPopulationRegistry().filter((p) => p.certType === '01');
  const [holderPerson, boundPerson] = registry.slice(30, 32);
  if (!holderPerson || !boundPerson) throw new Error('fixture too small');
  // A registered citizen (real_name, so it can bind a family number) and a family-bound document.
  const holder = { certType: '01', documentNumber: holderPerson.idNumber, name: holderPerson.name, phone: freshPhone() };
  t.equal((await registerThroughPages(app, createBrowser(app.url), '/register', holder)).status, 201, 'the holder registered');
  const holderId = (await services.accounts.findAccountIdByDocument(holder.documentNumber)) as string;
  await services.family.bind(holderId, { certType: '01', documentNumber: boundPerson.idNumber, name: boundPerson.name, relation: 'parent' });

  const free = () => ({ certType: '01', documentNumber: syntheticIdNumber('19751212'), name: '王五', phone: freshPhone() });
  type Identity = ReturnType<typeof free>;
  const cases: Array<[string, () => Identity]> = [
    ['a registered document', () => ({ ...free(), documentNumber: holder.documentNumber })],
    ['a document bound as a family number', () => ({ ...free(), documentNumber: boundPerson.idNumber, name: boundPerson.name })],
    ['a registered phone', () => ({ ...free(), phone: holder.phone })],
  ];

  const webSend = async (browser: Browser, who: Identity, captcha?: string) => {
    const form = await browser.get('/register');
    return browser.post('/register', {
      _csrf: csrf(form.text), flow: '', ...who,
      captchaId: inputValue(form.text, 'captchaId') ?? '', captcha: captcha ?? (await captchaAnswer(app)), pow: await solvePow(powChallengeOf(form.text)), action: 'send',
    });
  };
  const appSend = async (who: Identity, captcha?: string) => {
    const browser = createBrowser(app.url);
    const issued = JSON.parse((await browser.request('/api/register/captcha', { method: 'POST', json: {} })).text) as { captcha_id: string; pow_challenge: Parameters<typeof solvePow>[0] };
    const answer = captcha ?? (await captchaAnswer(app));
    return browser.request('/api/register/sms-code', {
      method: 'POST',
      json: { cert_type: who.certType, document_number: who.documentNumber, name: who.name, phone: who.phone, captcha_id: issued.captcha_id, captcha_answer: answer, pow_solution: await solvePow(issued.pow_challenge) },
    });
  };

  await t.test('web form: the send answers the same, and an SMS goes out either way', async (t) => {
    for (const [label, taken] of cases) {
      const takenWho = taken();
      const freeWho = free();
      const before = { taken: (await outbox(app, takenWho.phone)).length, free: (await outbox(app, freeWho.phone)).length };
      const a = await webSend(createBrowser(app.url), takenWho);
      const b = await webSend(createBrowser(app.url), freeWho);
      t.equal(b.status, 200, `${label}: a free identity gets the code step`);
      t.same(answerOf(a), answerOf(b), `${label}: the same status and page as a free one`);
      t.equal((await outbox(app, takenWho.phone)).length, before.taken + 1, `${label}: one SMS to the typed phone`);
      t.equal((await outbox(app, freeWho.phone)).length, before.free + 1, `${label}: as for the free one`);
    }
    const notice = (await outbox(app, holder.phone))[0]?.text ?? '';
    t.match(notice, /已注册/, 'the registered phone was told it is registered');
    t.match(notice, /用户申诉/, 'and the way to appeal');
    t.notMatch(notice, /\d{4,}/, 'with no code in it');
  });

  await t.test('app API: the sms-code answer is the same apart from the flow id', async (t) => {
    for (const [label, taken] of cases) {
      const a = await appSend(taken());
      const b = await appSend(free());
      t.equal(b.status, 200, `${label}: a free identity gets a flow`);
      t.same(jsonAnswerOf(a), jsonAnswerOf(b), `${label}: the same status and body as a free one`);
    }
  });

  await t.test('the captcha comes first: a wrong one answers alike for taken and free, and sends nothing', async (t) => {
    for (const [label, taken] of cases) {
      const takenWho = taken();
      const freeWho = free();
      const before = (await outbox(app, takenWho.phone)).length;
      const web = [await webSend(createBrowser(app.url), takenWho, 'zzzz'), await webSend(createBrowser(app.url), freeWho, 'zzzz')];
      t.equal(web[1]?.status, 400);
      t.same(answerOf(web[0] as Response2), answerOf(web[1] as Response2), `${label}: web form`);
      const api = [await appSend(takenWho, 'zzzz'), await appSend(freeWho, 'zzzz')];
      t.equal(api[1]?.status, 400);
      t.same(jsonAnswerOf(api[0] as Response2), jsonAnswerOf(api[1] as Response2), `${label}: app API`);
      t.equal((await outbox(app, takenWho.phone)).length, before, `${label}: no SMS`);
    }
  });

  /** Sends the code on the web form and registers with `code` (default: the one in the outbox). */
  const webComplete = async (who: Identity, code?: string) => {
    const browser = createBrowser(app.url);
    const sent = await webSend(browser, who);
    return browser.post('/register', {
      _csrf: csrf(sent.text), flow: inputValue(sent.text, 'flow') ?? '', ...who,
      code: code ?? (await lastSmsCode(app, who.phone)) ?? '000000',
      password: strongPassword, confirmPassword: strongPassword, agreePrivacy: 'yes', agreeDocument: 'yes', action: 'register',
    });
  };
  const appComplete = async (who: Identity, code?: string) => {
    const sent = JSON.parse((await appSend(who)).text) as { flow_id: string };
    return createBrowser(app.url).request('/api/register', {
      method: 'POST',
      json: {
        flow_id: sent.flow_id, cert_type: who.certType, document_number: who.documentNumber, name: who.name, phone: who.phone,
        sms_code: code ?? (await lastSmsCode(app, who.phone)) ?? '000000', password: strongPassword, agree_privacy: true, agree_document: true,
      },
    });
  };

  await t.test('after the phone is proven: the document conflict, with its appeal', async (t) => {
    const taken = await webComplete({ ...free(), documentNumber: holder.documentNumber });
    t.equal(taken.status, 409);
    t.match(taken.text, /该证件号码已有账号/);
    t.match(taken.text, /href="\/appeal\?type=document"/);
    const bound = await webComplete({ ...free(), documentNumber: boundPerson.idNumber, name: boundPerson.name });
    t.equal(bound.status, 409);
    t.match(bound.text, /该证件号码已被绑定为他人的亲情号/);
    t.match(bound.text, /href="\/appeal\?type=family"/);
    const api = await appComplete({ ...free(), documentNumber: holder.documentNumber });
    t.equal(api.status, 409);
    t.match(JSON.parse(api.text), { error: 'conflict', appeal: 'document', fields: { document_number: /已有账号/ } });
  });

  await t.test('before the phone is proven: a wrong code answers alike for taken and free', async (t) => {
    for (const [label, taken] of cases) {
      const a = await webComplete(taken(), '000000');
      const b = await webComplete(free(), '000000');
      t.equal(b.status, 400, 'a wrong code is refused');
      t.same(answerOf(a), answerOf(b), `${label}: web form`);
      const c = await appComplete(taken(), '000000');
      const d = await appComplete(free(), '000000');
      t.same(jsonAnswerOf(c), jsonAnswerOf(d), `${label}: app API`);
    }
    t.equal(await services.accounts.findAccountIdByPhone(`+86${holder.phone}`), holderId, 'the registered phone stayed with its holder');
  });

  await t.test('a phone registered after the code was sent is told after the code proved it', async (t) => {
    const who = free();
    const browser = createBrowser(app.url);
    const sent = await webSend(browser, who);
    const code = (await lastSmsCode(app, who.phone)) as string;
    await services.accounts.register({ certType: '01', documentNumber: syntheticIdNumber('19660101'), name: '抢注者', phoneE164: `+86${who.phone}`, password: strongPassword, channel: 'web' });
    const res = await browser.post('/register', {
      _csrf: csrf(sent.text), flow: inputValue(sent.text, 'flow') ?? '', ...who, code,
      password: strongPassword, confirmPassword: strongPassword, agreePrivacy: 'yes', agreeDocument: 'yes', action: 'register',
    });
    t.equal(res.status, 409);
    t.match(res.text, /该手机号码已有账号/);
    t.match(res.text, /href="\/appeal\?type=phone"/);
  });

  await t.test('bind-phone after a first federated sign-in: captcha first, the same answer for a taken phone', async (t) => {
    const rp = await demoRelyingParty(app);
    const uncertified = loadUpstreamAccounts().alipay.find((a) => !a.certified);
    if (!uncertified) throw new Error('fixture missing');
    const browser = createBrowser(app.url);
    const flow = await rp.authorize(browser);
    const uid = /\/interaction\/([\w-]+)/.exec(flow.page.url)?.[1] as string;
    const begun = await browser.post(`/interaction/${uid}/federated/alipay`, { _csrf: csrf(flow.page.text) });
    const hop = await browser.get(await throughAlipay(begun.location as string, uncertified));
    const complete = await browser.get(hop.location as string);
    t.match(complete.location, /\/bind-phone\?flow=/, 'a new account must bind a phone');
    const bindUrl = complete.location as string;
    const send = async (phone: string, captcha?: string) => {
      const form = await browser.get(bindUrl);
      return browser.post(`/interaction/${uid}/bind-phone/send`, {
        _csrf: csrf(form.text), flow: inputValue(form.text, 'flow') ?? '', phone,
        captchaId: inputValue(form.text, 'captchaId') ?? '', captcha: captcha ?? (await captchaAnswer(app)), pow: await solvePow(powChallengeOf(form.text)),
      });
    };

    const wrongTaken = await send(holder.phone, 'zzzz');
    const wrongFree = await send(freshPhone(), 'zzzz');
    t.equal(wrongFree.status, 400);
    t.same(answerOf(wrongTaken), answerOf(wrongFree), 'a wrong captcha: the same answer for a taken and a free phone');

    const before = (await outbox(app, holder.phone)).length;
    const takenSent = await send(holder.phone);
    const freePhone = freshPhone();
    const freeSent = await send(freePhone);
    t.equal(freeSent.status, 200);
    t.same(answerOf(takenSent), answerOf(freeSent), 'the send: the same answer for a taken and a free phone');
    t.equal((await outbox(app, holder.phone)).length, before + 1, 'the taken phone got a message');
    t.notMatch((await outbox(app, holder.phone))[0]?.text ?? '', /\d{4,}/, 'a notice, no code');
    t.equal((await outbox(app, freePhone)).length, 1, 'the free phone got its code');

    const takenAgain = await send(holder.phone);
    const wrongCode = await browser.post(`/interaction/${uid}/bind-phone/verify`, { _csrf: csrf(takenAgain.text), flow: inputValue(takenAgain.text, 'flow') ?? '', code: '000000' });
    const freeAgain = await send(freePhone);
    const wrongFreeCode = await browser.post(`/interaction/${uid}/bind-phone/verify`, { _csrf: csrf(freeAgain.text), flow: inputValue(freeAgain.text, 'flow') ?? '', code: '000000' });
    t.equal(wrongFreeCode.status, 401);
    t.same(answerOf(wrongCode), answerOf(wrongFreeCode), 'a wrong code: the same answer too');
    t.equal(await services.accounts.findAccountIdByPhone(`+86${holder.phone}`), holderId, 'the taken phone stayed with its holder');

    const raced = freshPhone();
    const racedSent = await send(raced);
    await services.accounts.register({ certType: '01', documentNumber: syntheticIdNumber('19670101'), name: '抢注者', phoneE164: `+86${raced}`, password: strongPassword, channel: 'web' });
    const conflict = await browser.post(`/interaction/${uid}/bind-phone/verify`, { _csrf: csrf(racedSent.text), flow: inputValue(racedSent.text, 'flow') ?? '', code: (await lastSmsCode(app, raced)) as string });
    t.equal(conflict.status, 409, 'a number taken meanwhile is told once its code proved it');
    t.match(conflict.text, /该手机号码已被其他账号使用/);
    t.match(conflict.text, /href="\/appeal\?type=phone"/, 'with the way to appeal');

    const bound = await send(freePhone);
    const done = await browser.post(`/interaction/${uid}/bind-phone/verify`, { _csrf: csrf(bound.text), flow: inputValue(bound.text, 'flow') ?? '', code: (await lastSmsCode(app, freePhone)) as string });
    t.equal(done.status, 303, 'a free phone proven by its code is bound');
  });
});
