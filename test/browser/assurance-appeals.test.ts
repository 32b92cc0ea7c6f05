// The three appeals (用户申诉) in real Chromium, each proven by a face check on the mock verifier's
// "phone": 证件号码被占用 (the holder takes the account over, the next sign-in binds a phone),
// 移动电话被占用 and 亲情号解绑. Shared steps: helpers/assurance-browser.ts.

/// <reference lib="dom" />
import t from 'tap';
import { engineName } from '../helpers/database.js';
import { assertCleanPages, catchRedirectInContext, fillSmsCode, pressFace } from '../helpers/browser-journeys.js';
import { freshPhone, syntheticIdNumber } from '../helpers/citizens.js';
import { demoRedirect } from '../helpers/oidc-flow.js';
import { newPassword, person, startAssuranceWorld } from '../helpers/assurance-browser.js';

t.test(`assurance journeys in a real browser: 用户申诉 (${engineName})`, async (t) => {
  const world = await startAssuranceWorld(t);
  const { app, clock, db, rp, register, newPage, shot, signIn, startFace, startAppeal } = world;

  await t.test('申诉 证件号码被占用: the holder takes the account over; the next sign-in binds a phone', async (t) => {
    const owner = person('吴振华');
    const impostor = await register(owner.idNumber, owner.name);
    const tp = await newPage(t);
    const { page } = tp;
    await startAppeal(t, page, '证件号码被占用', owner);
    await shot(t, page, 'appeal-375x812');
    await startFace(page);
    t.equal((await pressFace(page, 'pass')).heading, '认证通过');
    await page.getByText(/^身份已核验。请为该账号设置新密码/).waitFor();
    await page.getByLabel('密码', { exact: true }).fill(newPassword);
    await page.getByLabel('确认密码', { exact: true }).fill(newPassword);
    await page.getByRole('button', { name: '确认', exact: true }).click();
    await page.getByText('账号已找回，请使用新密码登录并绑定手机号。', { exact: true }).waitFor();
    t.equal(await app.container.services.accounts.findAccountIdByPhone(`+86${impostor.phone}`), undefined, "the impostor's phone is removed");

    const newPhone = freshPhone();
    const redirected = await catchRedirectInContext(tp.context, demoRedirect);
    const flow = await signIn(page, owner.idNumber, newPassword);
    const landed = await Promise.race([
      page.waitForURL(/\/bind-phone\?flow=/).then(() => 'bind-phone', () => 'timeout'),
      redirected().then(() => 'the client', () => 'timeout'),
    ]);
    // After a takeover the account has no phone: every sign-in method (password and SMS too)
    // goes through the bind-phone requirement before the client gets a session.
    t.equal(landed, 'bind-phone', 'the next sign-in asks for a phone to be bound');
    if (landed === 'bind-phone') {
      await page.getByRole('heading', { level: 1, name: '绑定手机号码' }).waitFor();
      await page.getByLabel('手机号码', { exact: true }).fill(newPhone);
      await fillSmsCode(t, app, page, newPhone);
      await page.getByRole('button', { name: '确认', exact: true }).click();
    }
    const { claims, userinfo } = await rp.redeem(await redirected(), flow);
    t.equal(claims?.sub, impostor.accountId, 'the same account, now the holder’s');
    if (landed === 'bind-phone') t.equal(userinfo.phone_number, `+86${newPhone}`, 'with the newly bound phone (userinfo)');
    t.equal(claims?.identity_level, 'real_name');
    assertCleanPages(t, tp);
  });

  await t.test('申诉 移动电话被占用: the number leaves the squatting account', async (t) => {
    const squatter = await register(syntheticIdNumber('19800101'), '占用者');
    const owner = person('梁佳怡');
    const tp = await newPage(t);
    const { page } = tp;
    await startAppeal(t, page, '移动电话被占用', owner);
    await startFace(page);
    t.equal((await pressFace(page, 'pass')).heading, '认证通过');
    await page.getByLabel('手机号码', { exact: true }).waitFor();
    clock.advance(61_000);
    await page.getByLabel('手机号码', { exact: true }).fill(squatter.phone);
    await fillSmsCode(t, app, page, squatter.phone);
    await page.getByRole('button', { name: '确认', exact: true }).click();
    await page.getByText('手机号码已解除占用，您现在可以用它注册。', { exact: true }).waitFor();
    t.equal(await app.container.services.accounts.findAccountIdByPhone(`+86${squatter.phone}`), undefined, 'the number left the squatting account');
    t.ok(await db.selectFrom('accounts').select('id').where('id', '=', squatter.accountId).executeTakeFirst(), 'which itself remains');
    assertCleanPages(t, tp);
  });

  await t.test('申诉 亲情号解绑: the person bound as a family number removes the binding', async (t) => {
    const binder = person('周若溪');
    const member = person('丁丽娟');
    const account = await register(binder.idNumber, binder.name);
    await app.container.services.family.bind(account.accountId, { certType: '01', documentNumber: member.idNumber, name: member.name, relation: 'parent' });
    t.equal(await app.container.services.family.isBound(member.idNumber), true);
    const tp = await newPage(t);
    const { page } = tp;
    await startAppeal(t, page, '亲情号解绑', member);
    await startFace(page);
    t.equal((await pressFace(page, 'pass')).heading, '认证通过');
    await page.getByText('亲情号绑定已解除，您现在可以注册自己的账号。', { exact: true }).waitFor();
    t.ok(await page.getByRole('link', { name: '立即注册', exact: true }).isVisible(), 'registration is offered');
    t.equal(await app.container.services.family.isBound(member.idNumber), false, 'the binding is gone');
    const audit = await db.selectFrom('audit_events').select('event').where('subject', '=', account.accountId).where('event', '=', 'family.unbound').execute();
    t.equal(audit.length, 1, "the binder's side records the unbinding");
    assertCleanPages(t, tp);
  });
});
