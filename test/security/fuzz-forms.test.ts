// Input fuzzing (issue 8) with fast-check over every form and JSON body of ours: the interaction
// forms, the registration pages and the app's registration API get arbitrary strings, huge values,
// arrays as values, wrong content types, broken UTF-8 and broken percent-encoding, with and without
// a valid CSRF token. Never a 5xx, never slower than a bound, no unhandled rejection, and the app
// still answers afterwards.

import t from 'tap';
import fc from 'fast-check';
import { createTestDatabase, engineName } from '../helpers/database.js';
import { startTestApp } from '../helpers/app.js';
import { createBrowser, inputValue } from '../helpers/http-client.js';
import { demoRelyingParty } from '../helpers/oidc-flow.js';

const requestTimeoutMs = 10_000;
const runs = Number(process.env.FUZZ_RUNS ?? 40);

type Value = string | string[];

const text = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme' }),
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.constantFrom('', ' ', '0', '-1', 'null', 'undefined', 'true', '[]', '{}', '__proto__', 'constructor', '%00', '\u0000', '\uFFFD', '\uD800', '𠀀𠀁', '١٢٣٤٥٦', '１３９１２３４５６７８', '<script>alert(1)</script>', "' or 1=1 --", '../../etc/passwd', '320102199003071234', '13912345678', 'x'.repeat(70_000)),
  fc.integer({ min: 1, max: 200_000 }).map((n) => 'é'.repeat(n)),
);
const value: fc.Arbitrary<Value> = fc.oneof({ weight: 4, arbitrary: text }, { weight: 1, arbitrary: fc.array(text, { minLength: 2, maxLength: 4 }) });

const formFields = ['_csrf', 'flow', 'account', 'password', 'phone', 'captcha', 'captchaId', 'code', 'certType', 'documentNumber', 'name', 'confirmPassword', 'agreePrivacy', 'agreeDocument', 'action', 'answer', 'version'];
const jsonFields = ['flow_id', 'cert_type', 'document_number', 'name', 'phone', 'captcha_id', 'captcha_answer', 'sms_code', 'password', 'agree_privacy', 'agree_document'];

const formBody = fc.dictionary(fc.oneof(fc.constantFrom(...formFields), fc.string({ maxLength: 20 })), value, { maxKeys: 12 });

const jsonValue: fc.Arbitrary<unknown> = fc.oneof(text, fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.array(text, { maxLength: 3 }), fc.dictionary(fc.string({ maxLength: 5 }), text, { maxKeys: 3 }));
const jsonBody = fc.dictionary(fc.oneof(fc.constantFrom(...jsonFields), fc.string({ maxLength: 20 })), jsonValue, { maxKeys: 12 });

/** A raw body and its content type: a well-formed form, or something broken. */
const rawBody = (token: fc.Arbitrary<string | undefined>) =>
  fc.oneof(
    { weight: 5, arbitrary: fc.tuple(formBody, token, fc.constantFrom('form', 'form-utf8')).map(([fields, csrf, ct]) => {
      const params = new URLSearchParams();
      if (csrf !== undefined) params.append('_csrf', csrf);
      for (const [k, v] of Object.entries(fields)) for (const item of Array.isArray(v) ? v : [v]) params.append(k, item);
      return { body: Buffer.from(params.toString()), type: ct === 'form' ? 'application/x-www-form-urlencoded' : 'application/x-www-form-urlencoded; charset=utf-8' };
    }) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 4096 }).map((bytes) => ({ body: Buffer.from(bytes), type: 'application/x-www-form-urlencoded' })) },
    { weight: 1, arbitrary: fc.array(fc.constantFrom('%', '%G1', '%FF%FE', '%C3', '%E4%B8', '%ED%A0%80', '&&&', '==', 'a=%', '_csrf=%ZZ', '+', '%00'), { maxLength: 30 }).map((parts) => ({ body: Buffer.from(parts.join('')), type: 'application/x-www-form-urlencoded' })) },
    { weight: 1, arbitrary: jsonBody.map((j) => ({ body: Buffer.from(JSON.stringify(j)), type: 'application/json' })) },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom('text/plain', 'multipart/form-data; boundary=x', 'application/xml', 'application/octet-stream', '', 'application/x-www-form-urlencoded; charset=gbk', 'invalid/type/with/slashes'), fc.string({ unit: 'binary', maxLength: 500 })).map(([type, s]) => ({ body: Buffer.from(s), type })) },
    { weight: 1, arbitrary: fc.integer({ min: 64 * 1024 + 1, max: 300 * 1024 }).map((n) => ({ body: Buffer.alloc(n, 'a=b&'), type: 'application/x-www-form-urlencoded' })) },
  );

const rawJson = fc.oneof(
  { weight: 4, arbitrary: jsonBody.map((j) => ({ body: Buffer.from(JSON.stringify(j)), type: 'application/json' })) },
  { weight: 1, arbitrary: fc.jsonValue().map((j) => ({ body: Buffer.from(JSON.stringify(j) ?? 'null'), type: 'application/json' })) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 2048 }).map((b) => ({ body: Buffer.from(b), type: 'application/json' })) },
  { weight: 1, arbitrary: fc.string({ maxLength: 300 }).map((s) => ({ body: Buffer.from(`{"name":"${s}`), type: 'application/json' })) },
  { weight: 1, arbitrary: fc.tuple(formBody, fc.constantFrom('application/x-www-form-urlencoded', 'text/plain', '')).map(([f, type]) => ({ body: Buffer.from(new URLSearchParams(Object.entries(f).map(([k, v]) => [k, String(v)])).toString()), type })) },
  { weight: 1, arbitrary: fc.integer({ min: 64 * 1024 + 1, max: 300 * 1024 }).map((n) => ({ body: Buffer.from(`{"name":"${'x'.repeat(n)}"}`), type: 'application/json' })) },
  { weight: 1, arbitrary: fc.integer({ min: 1000, max: 20_000 }).map((depth) => ({ body: Buffer.from(`${'['.repeat(depth)}${']'.repeat(depth)}`), type: 'application/json' })) },
);

t.test(`fuzzing every form and JSON body (${engineName})`, async (t) => {
  const testDb = await createTestDatabase();
  t.teardown(() => testDb.drop());
  const app = await startTestApp(t, {
    database: testDb.database,
    overrides: { rateLimits: { postsPerIpPerMinute: 1_000_000 }, sms: { perNumberPerMinute: 1_000_000, perNumberPerHour: 1_000_000, perNumberPerDay: 1_000_000, perIpPerHour: 1_000_000 } },
  });
  const rp = await demoRelyingParty(app);
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  process.on('unhandledRejection', onUnhandled);
  t.teardown(() => void process.off('unhandledRejection', onUnhandled));

  const browser = createBrowser(app.url);
  const token = inputValue((await browser.get('/register')).text, '_csrf') as string;
  const tokenArb = fc.oneof({ weight: 3, arbitrary: fc.constant(token) }, { weight: 1, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: text });
  const failures: string[] = [];

  const post = async (path: string, body: Buffer, type: string) => {
    const headers: Record<string, string> = { cookie: browser.jar.header() };
    if (type) headers['content-type'] = type;
    const started = performance.now();
    let res: Response;
    try {
      res = await fetch(`${app.url}${path}`, { method: 'POST', headers, body: new Uint8Array(body), redirect: 'manual', signal: AbortSignal.timeout(requestTimeoutMs) });
    } catch (err) {
      // A 413 may close the connection before the whole body is sent: that is an answer, not a hang.
      const cause = (err as { cause?: { code?: string } }).cause;
      if (body.length > 64 * 1024 && cause && /ECONNRESET|EPIPE|UND_ERR_SOCKET/.test(String(cause.code))) return 413;
      throw new Error(`${path}: no answer within ${requestTimeoutMs} ms (${(err as Error).message})`);
    }
    const responseText = await res.text();
    const ms = performance.now() - started;
    if (res.status >= 500) failures.push(`${path} ${type} ${body.subarray(0, 120).toString('latin1')} → ${res.status}`);
    if (/at \w+ \(|node_modules|\.ts:\d+/.test(responseText)) failures.push(`${path}: stack trace in the answer`);
    if (ms > requestTimeoutMs) failures.push(`${path}: took ${ms} ms`);
    return res.status;
  };

  /** A fresh interaction (some posts end it: abort, a lucky sign-in). */
  const interaction = async () => {
    const flow = await rp.authorize(browser);
    return flow.page.url.replace(app.url, '');
  };

  for (const suffix of ['password', 'sms/send', 'sms/verify', 'consent', 'policies', 'abort', 'register']) {
    await t.test(`POST /interaction/:uid/${suffix}`, async (t) => {
      let base = await interaction();
      let n = 0;
      const statuses = new Set<number>();
      await fc.assert(
        fc.asyncProperty(rawBody(tokenArb), async ({ body, type }) => {
          n += 1;
          if (n % 10 === 0) base = await interaction();
          statuses.add(await post(`${base}/${suffix}`, body, type));
          return true;
        }),
        { numRuns: runs, interruptAfterTimeLimit: 60_000 },
      );
      t.same(failures, [], `no 5xx, no stack, no slow answer (statuses seen: ${[...statuses].sort().join(', ')})`);
    });
  }

  await t.test('POST /register', async (t) => {
    const statuses = new Set<number>();
    await fc.assert(
      fc.asyncProperty(rawBody(tokenArb), async ({ body, type }) => {
        statuses.add(await post('/register', body, type));
        return true;
      }),
      { numRuns: runs * 2, interruptAfterTimeLimit: 60_000 },
    );
    t.same(failures, [], `no 5xx (statuses seen: ${[...statuses].sort().join(', ')})`);
  });

  for (const path of ['/api/register/captcha', '/api/register/sms-code', '/api/register']) {
    await t.test(`POST ${path}`, async (t) => {
      const statuses = new Set<number>();
      await fc.assert(
        fc.asyncProperty(rawJson, async ({ body, type }) => {
          statuses.add(await post(path, body, type));
          return true;
        }),
        { numRuns: runs * 2, interruptAfterTimeLimit: 60_000 },
      );
      t.same(failures, [], `no 5xx (statuses seen: ${[...statuses].sort().join(', ')})`);
    });
  }

  await t.test('afterwards: no unhandled rejection, the app still answers', async (t) => {
    await new Promise((r) => setTimeout(r, 100));
    t.same(unhandled.map((u) => String(u)), [], 'no unhandled rejection');
    t.equal((await fetch(`${app.url}/healthz`)).status, 200);
    t.equal((await browser.get('/register')).status, 200);
    const flow = await rp.authorize(createBrowser(app.url));
    t.equal(flow.page.status, 200, 'a new sign-in starts');
  });
});
