// 好差评 end to end below the pages: the rating rules (completed cases only, one per case, five
// indicators, a comment for bad ratings), the signed event POSTed to the client's webhook and
// verified against the provider's JWKS, retried with backoff until acknowledged, the pull API,
// the 整改反馈 with its 15-working-day term and the operator's overdue list, and the single SMS
// invitation three days after completion.

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import t from 'tap';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { casesCommand } from '../../src/cli/cases.js';
import type { CliContext } from '../../src/cli/context.js';
import { createControllableClock } from '../../src/domain/clock.js';
import { AppError } from '../../src/errors/app-error.js';
import { caseRatedEvent } from '../../src/services/cases.js';
import { createTestDatabase, engineName } from '../helpers/database.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { createBrowser } from '../helpers/http-client.js';
import { freshPhone, registerThroughPages, syntheticIdNumber } from '../helpers/citizens.js';

const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
const indicators = { overall: '2', efficiency: '1', guide_accuracy: '3', convenience: '2', usability: '4' };

async function api(app: TestApp, token: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${app.url}${path}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, ...(body ? { body: JSON.stringify(body) } : {}) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
    return undefined;
  } catch (err) {
    return err instanceof AppError ? err.code : `unexpected: ${(err as Error).message}`;
  }
}

t.test(`ratings reach the service (${engineName})`, async (t) => {
  // The receiver: refuses the first delivery (500), acknowledges the next ones (202).
  const received: string[] = [];
  const receiver = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push(Buffer.concat(chunks).toString('utf8'));
      res.statusCode = received.length === 1 ? 500 : 202;
      res.end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => receiver.close(() => resolve())));
  const hook = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;

  const clock = createControllableClock();
  const testDb = await createTestDatabase();
  t.teardown(() => testDb.drop());
  const app = await startTestApp(t, { database: testDb.database, clock, overrides: { security: { outboundAllowedNetworks: ['127.0.0.0/8'] } } });
  const { clients, services } = app.container;
  const cases = services.cases;
  const db = testDb.database.db;
  const client = {
    client_id: 'rated-service', client_secret: 'rated-service-secret-0123456789abcdef', client_name: '失业保险服务',
    redirect_uris: ['https://svc.example.gov.cn/cb'], grant_types: ['authorization_code', 'client_credentials'], response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic', scope: 'openid cases:write', cases_webhook_uri: hook,
  };
  await clients.save(client, 'cli');
  const person = { certType: '01' as const, documentNumber: syntheticIdNumber(), name: '评价用户', phone: freshPhone() };
  t.equal((await registerThroughPages(app, createBrowser(app.url), '/register', person)).status, 201);
  const sub = (await services.accounts.findAccountIdByDocument(person.documentNumber)) as string;
  const phone = (await services.accounts.getAccount(sub))?.phoneE164 as string;
  const tokenRes = await fetch(`${app.url}/token`, { method: 'POST', headers: { authorization: basic(client.client_id, client.client_secret), 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials&scope=cases%3Awrite' });
  const token = ((await tokenRes.json()) as { access_token: string }).access_token;
  const base = { sub, service: '失业保险金申领', department: '南京市人社局', detail_url: 'https://svc.example.gov.cn/cases/1' };
  for (const [no, status] of [['R1', 'completed'], ['R2', 'completed'], ['R3', 'in_progress'], ['R4', 'completed']] as const) {
    t.equal((await api(app, token, 'PUT', `/api/cases/${no}`, { ...base, status })).status, 201);
  }
  const idOf = async (no: string) => (await db.selectFrom('cases').select('id').where('case_no', '=', no).executeTakeFirstOrThrow()).id;
  const ctx = { ip: '127.0.0.1' };

  await t.test('the rating rules', async (t) => {
    const r1 = await idOf('R1');
    t.equal(await codeOf(cases.rate(sub, await idOf('R3'), { level: 'satisfied', indicators, comment: '' }, ctx)), 'cases.rate.not_completed', 'a case in progress cannot be rated');
    t.equal(await codeOf(cases.rate(sub, r1, { level: 'great', indicators, comment: '' }, ctx)), 'cases.rate.level_required');
    t.equal(await codeOf(cases.rate(sub, r1, { level: 'satisfied', indicators: { ...indicators, usability: '6' }, comment: '' }, ctx)), 'cases.rate.indicator_required', 'each indicator 1–5');
    t.equal(await codeOf(cases.rate(sub, r1, { level: 'satisfied', indicators: { ...indicators, overall: '' }, comment: '' }, ctx)), 'cases.rate.indicator_required', 'all five indicators');
    t.equal(await codeOf(cases.rate(sub, r1, { level: 'dissatisfied', indicators, comment: '  ' }, ctx)), 'cases.rate.comment_required', '不满意 needs a comment');
    t.equal(await codeOf(cases.rate(sub, r1, { level: 'very_dissatisfied', indicators, comment: '' }, ctx)), 'cases.rate.comment_required', '非常不满意 needs a comment');
    t.equal(await codeOf(cases.rate(sub, r1, { level: 'satisfied', indicators, comment: '长'.repeat(501) }, ctx)), 'cases.rate.comment_too_long');
    t.equal(await codeOf(cases.rate('00000000-0000-4000-8000-000000000000', r1, { level: 'satisfied', indicators, comment: '' }, ctx)), 'errors.not_found', "another citizen's case is not found");
    t.equal((await db.selectFrom('case_ratings').selectAll().execute()).length, 0, 'nothing stored');
  });

  await t.test('a bad rating: webhook retried until acknowledged, signed with the provider keys', async (t) => {
    const r1 = await idOf('R1');
    await cases.rate(sub, r1, { level: 'very_dissatisfied', indicators, comment: '等待时间太长' }, ctx);
    t.equal(await codeOf(cases.rate(sub, r1, { level: 'satisfied', indicators, comment: '' }, ctx)), 'cases.rate.already_rated', '一事一评');
    // The first attempt runs right after the rating and is refused by the receiver.
    const outbox = () => db.selectFrom('case_rating_outbox').selectAll().where('case_id', '=', r1).executeTakeFirstOrThrow();
    for (let i = 0; i < 200 && (await outbox()).attempts === 0; i += 1) await new Promise((r) => setTimeout(r, 25));
    const first = await outbox();
    t.equal(first.attempts, 1, 'one attempt made');
    t.equal(first.delivered_at, null, 'not acknowledged (HTTP 500)');
    t.ok(first.next_attempt_at.getTime() > clock.now().getTime(), 'the retry waits (backoff)');
    t.equal(await cases.deliverDue(), 0, 'nothing due before the backoff ends');
    clock.advance(31_000);
    t.equal(await cases.deliverDue(), 1, 'delivered on the retry');
    t.equal(received.length, 2);
    t.ok((await outbox()).delivered_at, 'marked delivered');
    clock.advance(3600_000);
    t.equal(await cases.deliverDue(), 0, 'an acknowledged rating is not sent again');

    const jwks = createRemoteJWKSet(new URL(`${app.url}/jwks`));
    const { payload, protectedHeader } = await jwtVerify(received[1] as string, jwks, { issuer: app.url, audience: client.client_id, currentDate: clock.now() });
    t.equal(protectedHeader.typ, 'secevent+jwt');
    t.equal(payload.sub, sub, 'the subject as the client knows it');
    const event = (payload.events as Record<string, Record<string, unknown>>)[caseRatedEvent] as Record<string, unknown>;
    t.equal(event.case_no, 'R1');
    t.equal(event.level, 'very_dissatisfied');
    t.same(event.indicators, { overall: 2, efficiency: 1, guide_accuracy: 3, convenience: 2, usability: 4 });
    t.equal(event.comment, '等待时间太长');
    t.type(event.rectification_due_at, 'string', 'the rectification term is in the event');
    const due = new Date(event.rectification_due_at as string).getTime() - new Date(event.rated_at as string).getTime();
    t.ok(due >= 19 * 86_400_000 && due <= 21 * 86_400_000, '15 working days is three calendar weeks');
  });

  await t.test('pull API', async (t) => {
    const all = await api(app, token, 'GET', '/api/cases/ratings?since=0');
    t.equal(all.status, 200);
    const ratings = all.body.ratings as Array<Record<string, unknown>>;
    t.equal(ratings.length, 1);
    t.equal(ratings[0]?.case_no, 'R1');
    const after = await api(app, token, 'GET', `/api/cases/ratings?since=${all.body.next_since as string}`);
    t.same(after.body.ratings, [], 'nothing after the cursor');
    t.equal((await api(app, token, 'GET', '/api/cases/ratings?since=yesterday')).status, 400, 'a malformed cursor: 400');
    const caseView = await api(app, token, 'GET', '/api/cases/R1');
    t.equal((caseView.body.rating as Record<string, unknown>).level, 'very_dissatisfied', 'GET shows the rating');
  });

  await t.test('整改反馈 and the overdue list', async (t) => {
    await cases.rate(sub, await idOf('R4'), { level: 'dissatisfied', indicators, comment: '指南不清楚' }, ctx);
    await cases.rate(sub, await idOf('R2'), { level: 'satisfied', indicators, comment: '' }, ctx);
    t.equal((await api(app, token, 'POST', '/api/cases/R2/rectification', { rectification: '无需整改' })).status, 409, 'no reply is owed on a good rating');
    t.equal((await api(app, token, 'POST', '/api/cases/R1/rectification', { rectification: '' })).status, 400, 'an empty reply: 400');
    t.equal((await api(app, token, 'POST', '/api/cases/R1/rectification', { rectification: 'x'.repeat(2001) })).status, 400, 'an oversized reply: 400');
    const replied = await api(app, token, 'POST', '/api/cases/R1/rectification', { rectification: '已增加窗口，缩短等待时间' });
    t.equal(replied.status, 200);
    t.equal((replied.body.rating as Record<string, unknown>).rectification, '已增加窗口，缩短等待时间');
    t.equal((await api(app, token, 'POST', '/api/cases/R1/rectification', { rectification: '再次答复' })).status, 409, 'one reply');
    const detail = await cases.detail(sub, await idOf('R1'));
    t.equal(detail?.rating?.rectification, '已增加窗口，缩短等待时间', 'the citizen sees it under the case');

    t.same(await cases.overdueRectifications(), [], 'nothing overdue yet');
    clock.advance(22 * 86_400_000);
    const overdue = await cases.overdueRectifications();
    t.same(overdue.map((o) => o.caseNo), ['R4'], 'the unanswered bad rating is overdue; the answered one is not');
    const lines: string[] = [];
    const code = await casesCommand({ database: testDb.database, clock, out: (line: string) => lines.push(line) } as unknown as CliContext, ['overdue']);
    t.equal(code, 0);
    t.equal(lines.length, 1, 'the operator CLI lists it');
    t.match(JSON.parse(lines[0] as string), { client_id: client.client_id, case_no: 'R4', level: 'dissatisfied' });
  });

  await t.test('one SMS invitation per unrated case, three days after completion', async (t) => {
    t.equal((await api(app, token, 'PUT', '/api/cases/R5', { ...base, status: 'completed' })).status, 201);
    const before = services.devSms?.outbox(phone).length ?? 0;
    clock.advance(2 * 86_400_000);
    t.equal(await cases.sendInvitations(), 0, 'not before three days');
    clock.advance(86_400_000 + 60_000);
    t.equal(await cases.sendInvitations(), 1, 'one invitation for the unrated case (the rated ones get none)');
    const messages = services.devSms?.outbox(phone) ?? [];
    t.equal(messages.length, before + 1);
    t.match(messages[0]?.text, /待评价|尚未评价/);
    clock.advance(7 * 86_400_000);
    t.equal(await cases.sendInvitations(), 0, 'never a second one for the same case');
    const audit = await db.selectFrom('audit_events').select('event').where('event', '=', 'case.rating_invited').execute();
    t.equal(audit.length, 1, 'audited');
  });

  await t.test('races: parallel PUTs of one new case store it once; parallel ratings of one case count once', async (t) => {
    const puts = await Promise.all(Array.from({ length: 8 }, () => api(app, token, 'PUT', '/api/cases/R9', { ...base, status: 'completed' })));
    t.same(puts.filter((r) => r.status >= 500).map((r) => r.status), [], 'no server error');
    t.equal(puts.filter((r) => r.status === 201).length, 1, 'one creation');
    const r9 = await idOf('R9');
    t.equal((await db.selectFrom('cases').select('id').where('case_no', '=', 'R9').execute()).length, 1, 'one case row');
    t.equal((await db.selectFrom('case_events').select('case_id').where('case_id', '=', r9).execute()).length, 1, 'one timeline entry');
    const ratings = await Promise.all(Array.from({ length: 8 }, () => codeOf(cases.rate(sub, r9, { level: 'satisfied', indicators, comment: '' }, ctx))));
    t.equal(ratings.filter((c) => c === undefined).length, 1, 'one rating accepted');
    t.same([...new Set(ratings.filter((c) => c !== undefined))], ['cases.rate.already_rated'], 'the rest told it is already rated');
    t.equal((await db.selectFrom('case_ratings').select('case_id').where('case_id', '=', r9).execute()).length, 1, 'one rating row');
    t.equal((await db.selectFrom('case_rating_outbox').select('case_id').where('case_id', '=', r9).execute()).length, 1, 'one event for the service');
  });
});
