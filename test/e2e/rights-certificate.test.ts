// 我的权益单 as a PDF: a 实名 citizen downloads it (Chinese font embedded, the record, the masked
// name, a verification code and a QR of /verify/{code}); the amounts only within minutes of a
// password check in the same session; /verify says authentic with the printed digest, 未找到 alike
// for tampered, unknown and malformed codes, 已过期 after 90 days; housekeeping deletes the row a
// year later; a 注册用户 cannot download; downloads and checks are rate limited; no code in logs.

import { createHash } from 'node:crypto';
import { Writable } from 'node:stream';
import t from 'tap';
import { syntheticRightsRecord } from '../../src/adapters/rights-record/mock.js';
import { createControllableClock } from '../../src/domain/clock.js';
import { maskDocument, maskName } from '../../src/domain/masking.js';
import { formatYuan } from '../../src/domain/money.js';
import { housekeepOnce } from '../../src/jobs/purge-expired.js';
import { createLogger } from '../../src/log/logger.js';
import { loadPopulationRegistry } from '../../src/mocks/fixtures.js';
import { printoutLines, rightsPrintout } from '../../src/services/rights-printout.js';
import { startTestApp } from '../helpers/app.js';
import { centreBrowser } from '../helpers/centre-http.js';
import { freshPhone, registerThroughPages, syntheticIdNumber, type Person } from '../helpers/citizens.js';
import { createTestDatabase, engineName } from '../helpers/database.js';
import { createBrowser, inputValue, type Browser } from '../helpers/http-client.js';
import { englishWords, rawKeys } from '../helpers/page-text.js';
import { pdfQrText, pdfText, postForBytes } from '../helpers/pdf.js';

const dayMs = 86_400_000;
const codePattern = /验证码：([0-9A-Z]{4}(?:-[0-9A-Z]{4}){5})/;
/** A page with what differs per request (request id, nonces) blanked, to compare two answers. */
const sameShape = (html: string) => html.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, 'ID').replace(/nonce="[^"]*"/g, 'nonce');

t.test(`我的权益单 PDF and /verify (${engineName})`, async (t) => {
  const testDb = await createTestDatabase();
  t.teardown(() => testDb.drop());
  const clock = createControllableClock();
  const logLines: string[] = [];
  const sink = new Writable({ write(chunk: Buffer, _encoding, done) { logLines.push(chunk.toString('utf8')); done(); } });
  const app = await startTestApp(t, { database: testDb.database, clock, logger: createLogger('info', sink), overrides: { rateLimits: { postsPerIpPerMinute: 10_000 } } });
  const db = testDb.database.db;
  const fixture = loadPopulationRegistry().find((p) => p.certType === '01' && p.name === '吴振华');
  if (!fixture) throw new Error('fixture missing');
  const realName: Person = { certType: '01', documentNumber: fixture.idNumber, name: fixture.name, phone: freshPhone() };
  const registered: Person = { certType: '01', documentNumber: syntheticIdNumber('19880202'), name: '未实名', phone: freshPhone() };
  for (const p of [realName, registered]) t.equal((await registerThroughPages(app, createBrowser(app.url), '/register', p)).status, 201);
  const record = syntheticRightsRecord(fixture.idNumber, clock.now().getUTCFullYear());
  const pension = record.insurances.find((i) => i.type === 'pension');
  if (pension?.accountBalance === undefined) throw new Error('the synthetic record has no pension balance');
  const balance = formatYuan(pension.accountBalance);
  const certificates = () => db.selectFrom('rights_certificates').selectAll().execute();
  const download = async (browser: Browser, extra: Record<string, string> = {}) => {
    const page = await browser.get('/account/rights');
    return postForBytes(browser, '/account/rights/certificate', { _csrf: inputValue(page.text, '_csrf') ?? '', ...extra });
  };
  const codeIn = (text: string) => codePattern.exec(text)?.[1];
  const digestIn = (text: string) => /内容摘要（SHA-256）：\s*([0-9a-f]{64})/.exec(text)?.[1];
  const anonymous = () => createBrowser(app.url);

  await t.test('a 注册用户 cannot download', async (t) => {
    const browser = await centreBrowser(app, registered);
    const page = await browser.get('/account/rights');
    t.notMatch(page.text, /action="\/account\/rights\/certificate"/, 'no download form');
    const res = await download(browser);
    t.equal(res.status, 403);
    t.match(res.headers.get('content-type') ?? '', /text\/html/, 'a page, not a PDF');
    t.match(Buffer.from(res.bytes).toString('utf8'), /仅向实名用户及以上开放/);
    t.same(await certificates(), [], 'nothing issued');
  });

  let plainCode = '';
  let plainDigest = '';
  await t.test('a 实名 citizen downloads the record without amounts, and it checks', async (t) => {
    const browser = await centreBrowser(app, realName);
    const page = await browser.get('/account/rights');
    t.match(page.text, /下载权益单（不含金额）/);
    t.notMatch(page.text, /name="grant"/, 'no amounts download before the password check');
    const res = await download(browser);
    t.equal(res.status, 200);
    t.equal(res.headers.get('content-type'), 'application/pdf');
    t.match(res.headers.get('content-disposition') ?? '', /^attachment; filename="rights-record-\d{8}\.pdf"$/);
    t.equal(res.headers.get('cache-control'), 'no-store');
    const raw = Buffer.from(res.bytes).toString('latin1');
    t.ok(raw.startsWith('%PDF-'), 'a PDF');
    t.match(raw, /\/FontFile2/, 'a TrueType font is embedded');
    t.match(raw, /\/BaseFont \/[A-Z]{6}\+NotoSansSC/, 'the shipped Noto Sans SC, subset');

    const text = await pdfText(res.bytes);
    t.match(text, /江苏省社会保险个人权益记录单/);
    t.match(text, `姓名：${maskName(fixture.name)}`, 'the masked name');
    t.notMatch(text, fixture.name, 'never the full name');
    t.match(text, `证件号码：${maskDocument(fixture.idNumber)}`, 'the masked document number');
    t.notMatch(text, fixture.idNumber, 'never the full number');
    t.match(text, new RegExp(`企业职工基本养老保险\\s+参保缴费\\s+${pension.place}\\s+${pension.firstMonth}\\s+${pension.months}`), 'a record line');
    t.notMatch(text, balance, 'no amount without the check');
    t.notMatch(text, /历年缴费情况/, 'no yearly bases without the check');
    t.match(text, /本权益单不含金额信息/);
    const code = codeIn(text);
    const digest = digestIn(text);
    if (!code || !digest) throw new Error(`no code or digest in the PDF:\n${text}`);
    t.match(text, `${app.url}/verify/${code}`, 'the verify URL is printed');
    t.equal(await pdfQrText(res.bytes), `${app.url}/verify/${code}`, 'the QR code carries the verify URL');

    // The digest covers the record as printed: SHA-256 over its lines (cells tab-separated), which are all in the PDF.
    const issuedOn = /出具日期：(\d{4}-\d{2}-\d{2})/.exec(text)?.[1] as string;
    const lines = printoutLines(rightsPrintout(record, { maskedName: maskName(fixture.name), maskedDocument: maskDocument(fixture.idNumber), issuedOn, amounts: false }));
    const flat = text.replace(/\s+/g, '');
    for (const line of lines) t.ok(flat.includes(line.replace(/\s+/g, '')), `printed: ${line.replace(/\t/g, ' | ')}`);
    t.equal(digest, createHash('sha256').update(lines.join('\n'), 'utf8').digest('hex'), 'digest = SHA-256 of the printed lines');

    const rows = await certificates();
    t.equal(rows.length, 1, 'one certificate stored');
    const row = rows[0];
    t.equal(row?.digest, digest);
    t.equal(row?.masked_name, maskName(fixture.name));
    t.equal(row?.with_amounts, false);
    t.equal(row && row.expires_at.getTime() - row.issued_at.getTime(), 90 * dayMs, 'valid for 90 days');
    const stored = JSON.stringify(rows);
    t.notOk(stored.includes(code) || stored.includes(code.replace(/-/g, '')), 'the code itself is not stored');
    t.match(row?.code_hash ?? '', /^[0-9a-f]{64}$/);

    const audit = await db.selectFrom('audit_events').select(['outcome', 'subject', 'details']).where('event', '=', 'account.rights_certificate_issued').execute();
    t.equal(audit.length, 1, 'issuing is audited');
    t.equal(audit[0]?.outcome, 'success');
    t.notOk(JSON.stringify(audit).includes(code.replace(/-/g, '').slice(0, 8)), 'the audit holds no code');

    const check = await anonymous().get(`/verify/${code}`);
    t.equal(check.status, 200);
    t.match(check.text, /真实有效/);
    t.match(check.text, `<code translate="no" id="digest">${digest}</code>`, 'the same digest');
    t.match(check.text, `id="masked-name">${maskName(fixture.name)}<`, 'the masked name');
    t.match(check.text, issuedOn, 'the issue date');
    for (const secret of [fixture.name, fixture.idNumber, maskDocument(fixture.idNumber), '企业职工基本养老保险', pension.place]) t.notMatch(check.text, secret, `nothing more: not ${secret}`);
    t.equal(check.headers.get('cache-control'), 'no-store');
    t.same(rawKeys(check.text), [], 'no raw keys');
    t.same(englishWords(check.text), [], 'no English on the Chinese page');
    const english = await anonymous().get(`/verify/${code}?lang=en`);
    t.match(english.text, /Authentic: this record was issued by this platform/);
    t.same(rawKeys(english.text), []);
    const typed = await anonymous().get(`/verify?code=${encodeURIComponent(` ${code.toLowerCase().replace(/-/g, '')} `)}`);
    t.equal(typed.status, 200, 'typed in lower case without dashes, from the form: still found');
    t.match(typed.text, digest);
    plainCode = code;
    plainDigest = digest;
  });

  await t.test('the download needs the form\'s CSRF token; malformed forms get a 4xx', async (t) => {
    const browser = await centreBrowser(app, realName);
    const before = (await certificates()).length;
    for (const form of [{}, { _csrf: 'forged' }, { _csrf: 'forged', grant: 'x'.repeat(5000) }] as Array<Record<string, string>>) {
      const res = await postForBytes(browser, '/account/rights/certificate', form);
      t.equal(res.status, 403, `${JSON.stringify(form).slice(0, 40)}: 403`);
      t.notMatch(Buffer.from(res.bytes).toString('utf8'), /at \w+ \(|node_modules|\.ts:\d+/, 'no stack');
    }
    t.equal((await certificates()).length, before, 'nothing issued');
  });

  await t.test('amounts only within minutes of a password check, in the same session', async (t) => {
    const browser = await centreBrowser(app, realName);
    const page = await browser.get('/account/rights');
    const checked = await browser.post('/account/rights/amounts', { _csrf: inputValue(page.text, '_csrf') ?? '', reauth: 'pwd', current: realName.password ?? 'Jsrs#2026pass' });
    t.equal(checked.status, 200);
    const grant = inputValue(checked.text, 'grant');
    if (!grant) throw new Error('no grant on the amounts page');
    const withAmounts = await postForBytes(browser, '/account/rights/certificate', { _csrf: inputValue(checked.text, '_csrf') ?? '', grant });
    t.equal(withAmounts.status, 200);
    const text = await pdfText(withAmounts.bytes);
    t.match(text, balance, '个人账户累计储存额 printed');
    t.match(text, /历年缴费情况/);
    const year = record.years[0];
    if (year) t.match(text, new RegExp(`${year.year}\\s+${formatYuan(year.base).replace(/[.,]/g, '\\$&')}\\s+${year.months}`), 'a yearly base');
    t.notMatch(text, /本权益单不含金额信息/);
    t.equal((await certificates()).filter((r) => r.with_amounts).length, 1);
    const code = codeIn(text) as string;
    t.match((await anonymous().get(`/verify/${code}`)).text, digestIn(text) as string, 'its own digest checks');

    const refusals: Array<[string, Browser, string]> = [
      ['a forged grant', browser, grant.replace(/.$/, (c) => (c === '0' ? '1' : '0'))],
      ['a grant with a later expiry', browser, grant.replace(/^\d+/, (n) => String(Number(n) + 3_600_000))],
      ['another session\'s grant', await centreBrowser(app, realName), grant],
      ['garbage', browser, '<script>'.repeat(100)],
    ];
    for (const [label, who, token] of refusals) {
      const before = (await certificates()).length;
      const res = await download(who, { grant: token });
      t.equal(res.status, 400, `${label}: refused`);
      t.match(Buffer.from(res.bytes).toString('utf8'), /金额验证已超时/, `${label}: says why`);
      t.equal((await certificates()).length, before, `${label}: nothing issued`);
    }
    clock.advance(11 * 60_000);
    const stale = await download(browser, { grant });
    t.equal(stale.status, 400, 'eleven minutes later the grant has expired');
    const plain = await download(browser);
    t.equal(plain.status, 200, 'the plain download still works');
  });

  await t.test('tampered, unknown and malformed codes get the same not-found page', async (t) => {
    clock.advance(61_000); // a fresh per-address window
    const flip = (c: string) => (c === 'A' ? 'B' : 'A');
    const tampered = plainCode.slice(0, -1) + flip(plainCode.slice(-1));
    const reference = await anonymous().get(`/verify/${tampered}`);
    t.equal(reference.status, 404);
    t.match(reference.text, /未找到与此验证码对应的权益单/);
    t.notMatch(reference.text, plainDigest);
    const inputs = [
      `/verify/${'0'.repeat(24)}`,
      `/verify/${plainCode}0`,
      '/verify/x',
      `/verify/${'A'.repeat(3000)}`,
      '/verify/%3Cscript%3Ealert(1)%3C%2Fscript%3E',
      '/verify/%00',
      '/verify/%E0%A4%A',
      '/verify/..%2F..%2Fetc%2Fpasswd',
      `/verify/${encodeURIComponent('中文验证码')}`,
      '/verify?code=',
      '/verify?code=abc&code=def',
    ];
    for (const path of inputs) {
      const res = await anonymous().get(path);
      t.equal(res.status, 404, `${path.slice(0, 60)}: 404`);
      t.equal(sameShape(res.text), sameShape(reference.text), `${path.slice(0, 60)}: the same page`);
    }
    const english = await anonymous().get(`/verify/${tampered}?lang=en`);
    t.match(english.text, /No record was found for this verification code/);
    t.same(rawKeys(english.text), []);
    const form = await anonymous().get('/verify');
    t.equal(form.status, 200, 'the form to type a code');
    t.match(form.text, /<label for="verify-code">验证码<\/label>/);
  });

  await t.test('downloads are limited per account', async (t) => {
    clock.advance(3_600_000); // a fresh hourly window (the centre session has ended: sign in again)
    const browser = await centreBrowser(app, realName);
    const before = (await certificates()).length;
    for (let i = 0; i < 10; i += 1) t.equal((await download(browser)).status, 200, `download ${i + 1} of 10 this hour`);
    const refused = await download(browser);
    t.equal(refused.status, 429, 'the 11th in the hour is refused');
    t.ok(Number(refused.headers.get('retry-after')) > 0, 'with Retry-After');
    t.match(Buffer.from(refused.bytes).toString('utf8'), /下载权益单过于频繁/);
    t.equal((await certificates()).length, before + 10, 'nothing issued when refused');
  });

  await t.test('checks are limited per client address', async (t) => {
    clock.advance(61_000);
    for (let i = 0; i < 30; i += 1) t.equal((await anonymous().get(`/verify/${plainCode}`)).status, 200, `check ${i + 1}`);
    const refused = await anonymous().get(`/verify/${plainCode}`);
    t.equal(refused.status, 429, 'the 31st check in the minute is refused');
    t.notMatch(refused.text, plainDigest, 'and says nothing about the code');
  });

  await t.test('after 90 days: 已过期; a year later the row is purged', async (t) => {
    clock.advance(91 * dayMs);
    const expired = await anonymous().get(`/verify/${plainCode}`);
    t.equal(expired.status, 410);
    t.match(expired.text, /已过期/);
    t.notMatch(expired.text, plainDigest, 'no digest once expired');
    t.notMatch(expired.text, maskName(fixture.name), 'no name once expired');
    t.match((await anonymous().get(`/verify/${plainCode}?lang=en`)).text, /Expired: the verification code of this record expired on/);
    // (auditRetentionDays: the audit table's own guard uses the database's clock, not the test's.)
    const count = (await certificates()).length;
    t.equal((await housekeepOnce(db, clock, { batchSize: 5, auditRetentionDays: 100_000 })).certificates, 0, 'kept while 已过期 is still useful');
    clock.advance(366 * dayMs);
    const report = await housekeepOnce(db, clock, { batchSize: 5, auditRetentionDays: 100_000 });
    t.equal(report.certificates, count, 'every certificate a year past expiry is purged (in batches)');
    t.equal((await anonymous().get(`/verify/${plainCode}`)).status, 404, 'then it is simply not found');
  });

  await t.test('no verification code in the logs', async (t) => {
    const log = logLines.join('');
    t.ok(log.includes('/verify/:code'), 'checks are logged by their route shape');
    t.notOk(log.includes(plainCode) || log.includes(plainCode.replace(/-/g, '')), 'never the code');
  });
});
