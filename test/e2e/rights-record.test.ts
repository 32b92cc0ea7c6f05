// 我的权益单: a 注册用户 is told why and how to upgrade; a 实名 citizen sees the insurances without
// amounts, and the amounts only after the password again (a wrong one shows none), each attempt
// audited; an unreachable core system is a clear 暂时无法查询 page; the HTTP adapter's answers; the
// centre's new POSTs (权益单 amounts, the case rating) answer malformed input with a 4xx.

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import t from 'tap';
import { createHttpRightsRecordSource } from '../../src/adapters/rights-record/http.js';
import { syntheticRightsRecord } from '../../src/adapters/rights-record/mock.js';
import { UpstreamError } from '../../src/errors/app-error.js';
import { loadPopulationRegistry } from '../../src/mocks/fixtures.js';
import { createTestDatabase, engineName } from '../helpers/database.js';
import { startTestApp } from '../helpers/app.js';
import { centreBrowser } from '../helpers/centre-http.js';
import { createBrowser, inputValue } from '../helpers/http-client.js';
import { freshPhone, registerThroughPages, strongPassword, syntheticIdNumber, type Person } from '../helpers/citizens.js';

t.test(`我的权益单 (${engineName})`, async (t) => {
  const testDb = await createTestDatabase();
  t.teardown(() => testDb.drop());
  const app = await startTestApp(t, { database: testDb.database });
  const fixture = loadPopulationRegistry().find((p) => p.certType === '01' && p.name === '周若溪');
  if (!fixture) throw new Error('fixture missing');
  const realName: Person = { certType: '01', documentNumber: fixture.idNumber, name: fixture.name, phone: freshPhone() };
  const registered: Person = { certType: '01', documentNumber: syntheticIdNumber('19870101'), name: '未实名', phone: freshPhone() };
  for (const p of [realName, registered]) t.equal((await registerThroughPages(app, createBrowser(app.url), '/register', p)).status, 201);
  const record = syntheticRightsRecord(fixture.idNumber, new Date().getUTCFullYear());
  const pension = record.insurances.find((i) => i.type === 'pension');
  const balance = (pension?.accountBalance as number).toLocaleString('zh-CN', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

  await t.test('a 注册用户 is told why and how', async (t) => {
    const page = await (await centreBrowser(app, registered)).get('/account/rights');
    t.equal(page.status, 200);
    t.match(page.text, /仅向实名用户及以上开放/);
    t.match(page.text, /href="\/account\/profile\/real-name"/);
    t.notMatch(page.text, /企业职工基本养老保险/, 'no record');
  });

  await t.test('a 实名 citizen: amounts only after the password again, audited', async (t) => {
    const browser = await centreBrowser(app, realName);
    const page = await browser.get('/account/rights');
    t.equal(page.status, 200);
    t.match(page.text, /企业职工基本养老保险[\s\S]*职工基本医疗保险[\s\S]*失业保险[\s\S]*工伤保险[\s\S]*生育保险/, 'the five insurances');
    t.match(page.text, new RegExp(`<td>${pension?.months}</td>`), '累计缴费月数 shows');
    t.notMatch(page.text, new RegExp(balance.replace(/[.,]/g, '\\$&')), 'no amount before the check');
    t.match(page.text, /验证后显示/);
    const wrong = await browser.post('/account/rights/amounts', { _csrf: inputValue(page.text, '_csrf') ?? '', password: 'Wrong#pass1' });
    t.equal(wrong.status, 400);
    t.notMatch(wrong.text, new RegExp(balance.replace(/[.,]/g, '\\$&')), 'a wrong password shows no amount');
    const right = await browser.post('/account/rights/amounts', { _csrf: inputValue(page.text, '_csrf') ?? '', password: strongPassword });
    t.equal(right.status, 200);
    t.match(right.text, new RegExp(balance.replace(/[.,]/g, '\\$&')), '个人账户累计储存额 after the check');
    t.match(right.text, /历年缴费情况/);
    const audit = await testDb.database.db.selectFrom('audit_events').select('outcome').where('event', '=', 'account.rights_viewed').orderBy('id').execute();
    t.same(audit.map((a) => a.outcome), ['failure', 'success'], 'each attempt audited');

    // Malformed input on the centre's new POSTs: never a 5xx, never a stack.
    for (const path of ['/account/rights/amounts', '/account/cases/not-a-case/rating', '/account/cases/00000000-0000-4000-8000-000000000000/rating']) {
      for (const form of [{}, { _csrf: 'forged' }, { _csrf: inputValue(page.text, '_csrf') ?? '', password: 'x'.repeat(5000), level: '<script>', overall: '99', comment: '\u0000'.repeat(10) }]) {
        const res = await browser.post(path, form as Record<string, string>);
        t.ok(res.status >= 400 && res.status < 500, `${path} with ${Object.keys(form).join(',') || 'nothing'}: ${res.status}, a 4xx`);
        t.notMatch(res.text, /at \w+ \(|node_modules|\.ts:\d+/, 'no stack');
      }
    }

    const services = app.container.services as { rights: { recordFor: (...a: string[]) => Promise<unknown> } };
    const real = services.rights;
    services.rights = { recordFor: () => Promise.reject(new UpstreamError('rights', 'rights.unavailable')) };
    t.teardown(() => { services.rights = real; });
    const down = await browser.get('/account/rights');
    t.equal(down.status, 503, 'an unreachable core system: 503, not 500');
    t.match(down.text, /社会保险信息系统暂时无法查询/);
  });
});

t.test('the HTTP adapter', async (t) => {
  let answer: [number, unknown] = [200, {}];
  const received: Array<{ auth: string | undefined; body: string }> = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => { body += c.toString('utf8'); });
    req.on('end', () => {
      received.push({ auth: req.headers.authorization, body });
      res.statusCode = answer[0];
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(answer[1]));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/records`;
  const source = createHttpRightsRecordSource({ url, apiKey: 'k-123', timeoutMs: 2000 });
  answer = [200, { insurances: [{ type: 'pension', status: 'active', place: '南京市', first_month: '2010-03', months: 180, account_balance: 65432.1 }], years: [{ year: 2025, base: 8000, months: 12 }], benefits: [] }];
  const got = await source.recordFor('01', '320102199003077710');
  t.equal(got?.insurances[0]?.accountBalance, 65432.1);
  t.equal(got?.insurances[0]?.firstMonth, '2010-03');
  t.equal(received[0]?.auth, 'Bearer k-123');
  t.same(JSON.parse(received[0]?.body ?? '{}'), { cert_type: '01', id_number: '320102199003077710' });
  answer = [404, {}];
  t.equal(await source.recordFor('01', 'x'), undefined, '404: no record');
  for (const bad of [[500, {}], [200, { insurances: 'nope' }]] as Array<[number, unknown]>) {
    answer = bad;
    await t.rejects(source.recordFor('01', 'x'), UpstreamError, `${bad[0]} ${JSON.stringify(bad[1])}: unavailable`);
  }
  await t.rejects(createHttpRightsRecordSource({ url: 'http://127.0.0.1:1/records', apiKey: '', timeoutMs: 500 }).recordFor('01', 'x'), UpstreamError, 'unreachable: unavailable');
});
