// Step-up by acr in real Chromium, inside one authorization request: from 注册用户 (the real-name
// form, then a face check on the mock verifier's "phone") and from 实名用户 (face only), and the refusal
// (a failed check, then 放弃并返回应用 → access_denied). Shared steps: helpers/assurance-browser.ts.

/// <reference lib="dom" />
import t from 'tap';
import { engineName } from '../helpers/database.js';
import { assertCleanPages, catchRedirectInContext, pressFace } from '../helpers/browser-journeys.js';
import { strongPassword, syntheticIdNumber } from '../helpers/citizens.js';
import { demoRedirect } from '../helpers/oidc-flow.js';
import { person, stepUpAcr, startAssuranceWorld } from '../helpers/assurance-browser.js';

t.test(`assurance journeys in a real browser: step-up (${engineName})`, async (t) => {
  const world = await startAssuranceWorld(t);
  const { rp, register, levelOf, newPage, shot, text, signIn, proveItIsMe, startFace } = world;

  await t.test('step-up from registered: real-name form, then face, in one authorization request', async (t) => {
    const citizen = await register(syntheticIdNumber(), '待实名');
    const target = person('龚美玲');
    const tp = await newPage(t);
    const { page } = tp;
    const flow = await signIn(page, citizen.phone, strongPassword, { acr_values: stepUpAcr });
    await page.waitForURL(/\/step-up\?flow=/);
    const uid = /\/interaction\/([\w-]+)\//.exec(page.url())?.[1];
    await page.getByRole('heading', { level: 1, name: '提升身份认证等级' }).waitFor();
    t.match(await text(page), /「人社业务示例 \(demo\)」要求实人用户及以上的身份认证等级/);
    await page.getByRole('heading', { level: 2, name: '实名认证（基本信息修改）' }).waitFor();
    await shot(t, page, 'step-up-real-name-375x812');

    await page.getByLabel('证件类型', { exact: true }).selectOption('01');
    await page.getByLabel('证件号码', { exact: true }).fill(target.idNumber);
    await page.getByLabel('姓名', { exact: true }).fill('错误姓名');
    await proveItIsMe(page);
    await page.getByRole('button', { name: '下一步', exact: true }).click();
    await page.getByText('未通过人口信息库核验', { exact: false }).first().waitFor();
    t.equal(await page.getByLabel('证件号码', { exact: true }).inputValue(), target.idNumber, 'the fields are kept');
    await page.getByLabel('姓名', { exact: true }).fill(target.name);
    await proveItIsMe(page);
    await page.getByRole('button', { name: '下一步', exact: true }).click();
    await page.getByRole('heading', { level: 2, name: '人脸识别' }).waitFor();
    t.equal(await levelOf(citizen.accountId), 'real_name', 'the registry check raised the account to real_name');

    const status = await startFace(page);
    t.equal((await status.textContent())?.trim(), '等待完成人脸识别…');
    t.match(page.url(), new RegExp(`/interaction/${uid}/step-up\\?flow=`), 'still inside the same interaction');
    await shot(t, page, 'face-check-375x812');
    const redirected = await catchRedirectInContext(tp.context, demoRedirect);
    const { heading } = await pressFace(page, 'pass');
    t.equal(heading, '认证通过', 'the phone page says the check passed');
    // Nothing is clicked on the original page: face-poll.js sees the result and continues.
    const { claims, userinfo } = await rp.redeem(await redirected(), flow);
    t.equal(claims?.acr, 'urn:jsrs:level:real_person:face', 'the client gets the higher acr');
    t.equal(claims?.identity_level, 'real_person');
    t.same(claims?.amr, ['pwd', 'face']);
    t.equal(userinfo.name, target.name, 'the name, from userinfo');
    t.equal(await levelOf(citizen.accountId), 'real_person');
    assertCleanPages(t, tp);
  });

  await t.test('step-up from real_name: face only', async (t) => {
    const who = person('林俊杰');
    const citizen = await register(who.idNumber, who.name);
    t.equal(await levelOf(citizen.accountId), 'real_name');
    const tp = await newPage(t);
    const { page } = tp;
    const flow = await signIn(page, citizen.phone, strongPassword, { acr_values: stepUpAcr });
    await page.waitForURL(/\/step-up\?flow=/);
    await page.getByRole('heading', { level: 2, name: '人脸识别' }).waitFor();
    t.equal(await page.getByLabel('证件号码', { exact: true }).count(), 0, 'no real-name form for a real_name account');
    t.match(await text(page), /实人认证需要完成一次人脸识别。/);
    await startFace(page);
    const redirected = await catchRedirectInContext(tp.context, demoRedirect);
    t.equal((await pressFace(page, 'pass')).heading, '认证通过');
    const { claims } = await rp.redeem(await redirected(), flow);
    t.equal(claims?.acr, 'urn:jsrs:level:real_person:face');
    t.equal(claims?.identity_level, 'real_person');
    t.same(claims?.amr, ['pwd', 'face']);
    assertCleanPages(t, tp);
  });

  await t.test('the refusal path: a failed face check, then 放弃并返回应用 → access_denied', async (t) => {
    const who = person('于嘉琪');
    const citizen = await register(who.idNumber, who.name);
    const tp = await newPage(t);
    const { page } = tp;
    const flow = await signIn(page, citizen.phone, strongPassword, { acr_values: stepUpAcr });
    await page.waitForURL(/\/step-up\?flow=/);
    const status = await startFace(page);
    const { heading } = await pressFace(page, 'fail');
    t.equal(heading, '认证未通过');
    await status.filter({ hasText: '人脸识别未通过，可重新发起，或选择下方的其他方式' }).waitFor();
    t.ok(await page.getByRole('button', { name: '重新发起人脸识别', exact: true }).isVisible(), 'the retry is offered');
    t.match(page.url(), /\/step-up\?flow=/, 'the page stays on the face step');
    const redirected = await catchRedirectInContext(tp.context, demoRedirect);
    await page.getByRole('button', { name: '放弃并返回应用', exact: true }).click();
    const callback = new URL(await redirected());
    t.equal(callback.searchParams.get('error'), 'access_denied', 'the client gets access_denied');
    t.ok(callback.searchParams.get('error_description'), 'with a description');
    t.equal(callback.searchParams.get('code'), null, 'and no code');
    t.equal(callback.searchParams.get('state'), flow.state);
    t.equal(await levelOf(citizen.accountId), 'real_name', 'the failed check raised nobody');
    assertCleanPages(t, tp);
  });
});
