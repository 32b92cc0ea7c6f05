// 忘记密码 does not tell which name belongs to a document (issue 12): identifying costs a solved
// captcha, and the right name, wrong names and an unknown document get pages an observer cannot
// tell apart — each (document, name) shows a masked number of its own, stable when typed again.

import t from 'tap';
import { loadPopulationRegistry } from '../../src/mocks/fixtures.js';
import { startTestApp } from '../helpers/app.js';
import { freshPhone, registerThroughPages, syntheticIdNumber } from '../helpers/citizens.js';
import { createTestDatabase, engineName } from '../helpers/database.js';
import { createBrowser, inputValue, type Response2 } from '../helpers/http-client.js';
import { captchaAnswer } from '../helpers/oidc-flow.js';

const maskedPattern = /验证码将发送至账号绑定的手机 (1\d{2}\*{4}\d{4})/;

/** The page with per-request noise removed (tokens, captcha, flow ids) and the masked number cut out. */
function normalise(html: string): string {
  return html
    .replace(/name="(_csrf|captchaId)" value="[^"]*"/g, 'name="$1" value="…"')
    .replace(/src="data:image\/[^"]*"/g, 'src="data:…"')
    .replace(/data-pow-challenge="[^"]*"/g, 'data-pow-challenge="…"')
    .replace(/\/recover\/flow\/[\w-]+/g, '/recover/flow/…')
    .replace(/1\d{2}\*{4}\d{4}/g, '1**‑****‑****');
}

t.test(`recovery: the right name, wrong names and unknown documents look alike (${engineName})`, async (t) => {
  const testDb = await createTestDatabase();
  t.teardown(() => testDb.drop());
  const app = await startTestApp(t, { database: testDb.database, overrides: { rateLimits: { postsPerIpPerMinute: 100_000 } } });
  const db = testDb.database.db;
  const person = loadPopulationRegistry().find((p) => p.certType === '01' && p.name === '韩婷婷');
  if (!person) throw new Error('fixture missing');
  const phone = freshPhone();
  t.equal((await registerThroughPages(app, createBrowser(app.url), '/register', { certType: '01', documentNumber: person.idNumber, name: person.name, phone })).status, 201);

  /** Identifies on /recover (with a solved captcha unless told otherwise); returns the answer and the flow page. */
  const identify = async (documentNumber: string, name: string, captcha?: string) => {
    const browser = createBrowser(app.url);
    const form = await browser.get('/recover');
    const res = await browser.post('/recover', {
      _csrf: inputValue(form.text, '_csrf') ?? '', certType: '01', documentNumber, name,
      captchaId: inputValue(form.text, 'captchaId') ?? '', captcha: captcha ?? (await captchaAnswer(app)),
    });
    const page = res.status === 303 && res.location ? await browser.get(res.location) : undefined;
    return { res, page };
  };
  const observed = (r: { res: Response2; page: Response2 | undefined }) => ({
    status: r.res.status,
    location: r.res.location?.replace(/\/recover\/flow\/[\w-]+$/, '/recover/flow/…'),
    pageStatus: r.page?.status,
    page: normalise(r.page?.text ?? ''),
  });
  const maskedOf = (r: { page: Response2 | undefined }) => maskedPattern.exec(r.page?.text ?? '')?.[1];

  await t.test('the right name, three wrong names and an unknown document', async (t) => {
    const unknown = syntheticIdNumber('19810203');
    const tries = [
      ['the right name', person.idNumber, person.name],
      ['a wrong name', person.idNumber, '韩丽丽'],
      ['another wrong name', person.idNumber, '王芳'],
      ['a third wrong name', person.idNumber, '韩婷'],
      ['an unknown document', unknown, person.name],
      ['an unknown document, another name', unknown, '王芳'],
    ] as const;
    const results = [];
    for (const [label, documentNumber, name] of tries) results.push({ label, ...(await identify(documentNumber, name)) });
    const [right, ...others] = results;
    if (!right) throw new Error('no results');
    t.equal(right.res.status, 303, 'the right name moves on');
    t.equal(maskedOf(right), `${phone.slice(0, 3)}****${phone.slice(-4)}`, 'and shows the real masked number');
    for (const other of others) t.same(observed(other), observed(right), `${other.label}: the same answer and page as the right name`);
    const masks = results.map(maskedOf);
    t.equal(new Set(masks).size, masks.length, 'every (document, name) shows its own masked number: no stand-in shared by the wrong names');
    for (const [i, [label, documentNumber, name]] of tries.entries()) {
      t.equal(maskedOf(await identify(documentNumber, name)), masks[i], `${label}: the same number when typed again`);
    }
  });

  await t.test('a captcha is required before anything is looked up', async (t) => {
    const flowsBefore = await db.selectFrom('flows').select('id').where('kind', '=', 'recovery').execute();
    const known = await identify(person.idNumber, person.name, 'zzzz');
    const unknown = await identify(syntheticIdNumber('19820304'), '王芳', 'zzzz');
    t.equal(known.res.status, 400, 'a wrong captcha is refused');
    t.match(known.res.text, /图形验证码错误或已失效/);
    t.same({ status: unknown.res.status, page: normalise(unknown.res.text).replace(/value="[^"]*"/g, '') }, { status: known.res.status, page: normalise(known.res.text).replace(/value="[^"]*"/g, '') }, 'the same refusal for a known and an unknown document');
    const missing = await createBrowser(app.url).get('/recover');
    const browser = createBrowser(app.url);
    const form = await browser.get('/recover');
    const none = await browser.post('/recover', { _csrf: inputValue(form.text, '_csrf') ?? '', certType: '01', documentNumber: person.idNumber, name: person.name });
    t.equal(none.status, 400, 'no captcha at all is refused too');
    t.match(missing.text, /name="captchaId"/, 'the identify form carries the captcha');
    const flowsAfter = await db.selectFrom('flows').select('id').where('kind', '=', 'recovery').execute();
    t.equal(flowsAfter.length, flowsBefore.length, 'no recovery flow was started');
  });
});
