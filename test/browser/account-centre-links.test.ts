// 个人用户中心 (/account) in real Chromium, 账号关联: linking 江苏政务 through its own pages and 电子社保卡 by
// its QR, the refusal of an identity already linked elsewhere (and of the replayed callback), and
// unlinking down to the last way to sign in, which cannot go.

/// <reference lib="dom" />
import t from 'tap';
import { engineName } from '../helpers/database.js';
import { randomUUID } from 'node:crypto';
import { maskIdNumber } from '../../src/mocks/essc/holders.js';
import { insertAccount } from '../../src/repositories/accounts.js';
import { insertUpstreamLinkRow } from '../../src/repositories/upstream-links.js';
import { piiAad } from '../../src/services/accounts.js';
import { newTestPage } from '../helpers/browser.js';
import { openOnThisPhone } from '../helpers/browser-journeys.js';
import { alert, notice, screenshotsOf, startCentreWorld } from '../helpers/account-centre-browser.js';

t.test(`user centre in a real browser: 账号关联 (${engineName})`, async (t) => {
  const world = await startCentreWorld(t, ['linker', 'latecomer']);
  const { app, clock, mocks, services, db, browser, upstreamAccounts, auditRows, centre, people: { linker, latecomer } } = world;

  await t.test('账号关联: link 江苏政务 on its own pages and 电子社保卡 by its QR; another account is refused the same identity', async (t) => {
    const jszwAccount = upstreamAccounts.jszw.find((a) => a.name === linker.name);
    const card = upstreamAccounts.essc.find((h) => h.name === linker.name);
    if (!jszwAccount || !card) throw new Error('fixture missing');
    const linkerId = (await services.accounts.findAccountIdByDocument(linker.documentNumber)) as string;
    const { page, cspViolations, pageErrors } = await centre(t, linker, '/account/links', { width: 375, height: 812 });
    await page.getByRole('button', { name: '关联 江苏政务', exact: true }).click();
    await page.waitForURL((url) => url.href.startsWith(mocks.urls.jszw));
    await page.getByRole('heading', { name: '江苏政务服务网 统一身份认证' }).waitFor();
    await page.getByLabel('用户名', { exact: true }).fill(jszwAccount.username);
    await page.getByLabel('密码', { exact: true }).fill(jszwAccount.password);
    await page.getByRole('button', { name: '登录', exact: true }).click();
    await page.getByRole('heading', { name: '授权确认' }).waitFor();
    await page.getByRole('button', { name: '授权', exact: true }).click();
    await page.waitForURL(`${app.url}/account/links?linked=jszw`);
    t.equal(await notice(page), '已关联江苏政务');
    t.equal(await page.getByRole('button', { name: '解除关联 江苏政务', exact: true }).count(), 1, 'listed');

    await page.getByRole('button', { name: '关联 电子社保卡', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: '关联电子社保卡' }).waitFor();
    await screenshotsOf(page, 'account-link-essc');
    const phone = await openOnThisPhone(t, page, '在本机打开电子社保卡授权', '关联电子社保卡二维码');
    t.ok(phone.url().startsWith(`${mocks.urls.essc}/`), 'the phone page is served by the mock platform');
    await phone.getByLabel(`${card.name} ${maskIdNumber(card.idNumber)}`, { exact: true }).check();
    await phone.getByRole('button', { name: '确认授权', exact: true }).click();
    await phone.getByRole('heading', { name: '授权成功' }).waitFor();
    await phone.close();
    // qr-login.js polls, sees the authorisation and completes by itself.
    await page.waitForURL(`${app.url}/account/links?linked=essc`);
    t.equal(await notice(page), '已关联电子社保卡');
    for (const name of ['江苏政务', '电子社保卡']) t.equal(await page.getByRole('button', { name: `解除关联 ${name}`, exact: true }).count(), 1, `${name} listed`);
    t.same((await auditRows(linkerId, 'account.upstream_linked')).map((r) => [r.outcome, (r.details as { upstream?: string }).upstream]), [['success', 'jszw'], ['success', 'essc']]);
    t.same(cspViolations, []);
    t.same(pageErrors, []);

    const late = await centre(t, latecomer, '/account/links');
    await late.page.getByRole('button', { name: '关联 江苏政务', exact: true }).click();
    await late.page.getByLabel('用户名', { exact: true }).fill(jszwAccount.username);
    await late.page.getByLabel('密码', { exact: true }).fill(jszwAccount.password);
    await late.page.getByRole('button', { name: '登录', exact: true }).click();
    await late.page.getByRole('heading', { name: '授权确认' }).waitFor();
    const [callback] = await Promise.all([
      late.page.waitForRequest((req) => req.url().startsWith(`${app.url}/federated/callback/jszw?`)),
      late.page.getByRole('button', { name: '授权', exact: true }).click(),
    ]);
    await late.page.getByRole('alert').waitFor();
    t.equal(await alert(late.page), '该江苏政务账号已关联到其他账号，不能再关联到本账号。如需更换，请先用该江苏政务账号登录，在用户中心解除关联后再试。');
    t.equal(await late.page.getByRole('button', { name: '关联 江苏政务', exact: true }).count(), 1, 'still not linked');
    await late.page.goto(callback.url());
    await late.page.getByRole('alert').waitFor();
    t.equal(await alert(late.page), '关联请求无效、已使用或已过期，请在账号关联页面重新发起。', 'the replayed callback is refused');
    const latecomerId = (await services.accounts.findAccountIdByDocument(latecomer.documentNumber)) as string;
    t.same(await db.selectFrom('upstream_links').select('upstream').where('account_id', '=', latecomerId).execute(), []);
  });

  await t.test('账号关联: one of two links can go, the last way to sign in cannot', async (t) => {
    const accountId = randomUUID();
    await db.transaction().execute(async (trx) => {
      await insertAccount(trx, { id: accountId, nameEnvelope: app.container.secrets.cipher.encrypt('联邦用户', piiAad.name(accountId)), needsPhone: true, now: clock.now() });
      await insertUpstreamLinkRow(trx, { accountId, upstream: 'essc', subject: `essc-${accountId}`, now: clock.now() });
      await insertUpstreamLinkRow(trx, { accountId, upstream: 'alipay', subject: `alipay-${accountId}`, now: clock.now() });
    });
    // Federated-only accounts: start the centre session the federated callback would start.
    const { token } = await services.accountCentre.startSession(accountId, { ip: '127.0.0.1' });
    const { context, page } = await newTestPage(t, browser);
    await context.addCookies([{ name: '_jsrs_account', value: token, domain: '127.0.0.1', path: '/account', httpOnly: true }]);
    await page.goto(`${app.url}/account/links`);
    t.equal(await page.getByRole('heading', { level: 1 }).textContent(), '账号关联');
    t.match(await page.locator('main').textContent(), /账号至少须保留一种登录方式/);
    await page.getByRole('button', { name: '解除关联 支付宝', exact: true }).click();
    await page.getByRole('status').waitFor();
    t.equal(await notice(page), '已解除与支付宝的关联');
    t.equal(await page.getByRole('button', { name: '解除关联 支付宝' }).count(), 0);
    await page.getByRole('button', { name: '解除关联 电子社保卡', exact: true }).click();
    await page.getByRole('alert').waitFor();
    t.equal(await alert(page), '这是您唯一的登录方式，不能解除关联。请先设置密码或绑定手机号。');
    t.equal(await page.getByRole('button', { name: '解除关联 电子社保卡' }).count(), 1, 'still linked on the page');
    const left = await db.selectFrom('upstream_links').select('upstream').where('account_id', '=', accountId).execute();
    t.same(left.map((l) => l.upstream), ['essc'], 'and in the database');
  });
});
