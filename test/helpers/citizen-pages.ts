// Shared steps of the citizen-experience browser tests (issue 15): the two viewports, a page check
// (axe, no horizontal scrolling, a screenshot under test-artifacts/) and the /register form filled in.

import { existsSync, statSync } from 'node:fs';
import type { Test } from 'tap';
import type { Page } from 'playwright-core';
import type { TestApp } from './app.js';
import { describeViolations, horizontalOverflow, seriousViolations } from './axe.js';
import { screenshot } from './browser.js';
import { fillSmsCode } from './browser-journeys.js';
import { strongPassword, type Person } from './citizens.js';

export const viewports = [
  ['375x812', { width: 375, height: 812 }],
  ['1280x800', { width: 1280, height: 800 }],
] as const;
export const phoneViewport = viewports[0][1];

/** axe (no serious or critical violation), no horizontal scrolling, and a screenshot `<name>-<label>`. */
export async function checkPage(t: Test, page: Page, name: string, label: string): Promise<void> {
  await page.waitForLoadState('load');
  const violations = await seriousViolations(page);
  t.same(violations.map((v) => `${v.impact} ${v.id}`), [], `${name} (${label}): no serious axe violation${violations.length ? `\n${describeViolations(violations)}` : ''}`);
  const overflow = await horizontalOverflow(page);
  t.ok(overflow <= 0, `${name} (${label}): no horizontal scrolling (${overflow}px)`);
  const file = await screenshot(page, `${name}-${label}`);
  t.ok(existsSync(file) && statSync(file).size > 1000, `screenshot ${name}-${label}`);
}

/** Fills the registration form on `page` (already open) for `person` up to 注册, without pressing it. */
export async function fillRegistration(t: Test, app: TestApp, page: Page, person: Person): Promise<void> {
  await page.getByLabel('证件类型', { exact: true }).selectOption(person.certType);
  await page.getByLabel('证件号码', { exact: true }).fill(person.documentNumber);
  await page.getByLabel('姓名', { exact: true }).fill(person.name);
  await page.getByLabel('手机号码', { exact: true }).fill(person.phone);
  await page.waitForFunction(() => (document.querySelector('input[name="pow"]') as HTMLInputElement | null)?.value !== '');
  await fillSmsCode(t, app, page, person.phone);
  await page.getByLabel('密码', { exact: true }).fill(strongPassword);
  await page.getByLabel('确认密码', { exact: true }).fill(strongPassword);
  await page.getByLabel(/我已阅读并同意《隐私政策》/).check();
  await page.getByLabel(/我同意为核验身份处理我的证件号码/).check();
}
