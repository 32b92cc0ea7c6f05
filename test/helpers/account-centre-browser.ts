// The world of the user-centre browser files (test/browser/account-centre-*.test.ts): the app with
// the mock upstreams and a controllable clock, one Chromium, the citizens each file registers, and
// the page reads (status, alert, field descriptions) and screenshots those files share.

/// <reference lib="dom" />
import type { Test } from 'tap';
import type { Page } from 'playwright-core';
import { loadPopulationRegistry, loadUpstreamAccounts } from '../../src/mocks/fixtures.js';
import { createControllableClock } from '../../src/domain/clock.js';
import { createTestDatabase } from './database.js';
import { startTestApp } from './app.js';
import { createBrowser } from './http-client.js';
import { launchBrowser, newTestPage, screenshot, type TestPage } from './browser.js';
import { signInToCentre } from './centre-demo-browser.js';
import { startUpstreamMocks } from './upstreams.js';
import { freshPhone, registerThroughPages, strongPassword, syntheticIdNumber, type Person } from './citizens.js';

export const masked = (n: string) => `${n.slice(0, 4)}${'*'.repeat(n.length - 8)}${n.slice(-4)}`;
export const viewports = [
  ['375x812', { width: 375, height: 812 }],
  ['1280x800', { width: 1280, height: 800 }],
] as const;

/** The citizens of the centre journeys: real-name ones from the registry fixture, `changer` synthetic (注册用户). */
export interface CentrePeople {
  binder: Person;
  /** Bound as binder's 亲情号 (never registered by the setup). */
  member: { idNumber: string; name: string };
  changer: Person;
  facer: Person;
  linker: Person;
  latecomer: Person;
}
export type Registrable = Exclude<keyof CentrePeople, 'member'>;

function centrePeople(): CentrePeople {
  const registry = loadPopulationRegistry().filter((p) => p.certType === '01');
  const [binderPerson, member] = registry.slice(30, 32);
  if (!binderPerson || !member) throw new Error('fixture too small');
  const registryPerson = (name: string): Person => {
    const found = registry.find((p) => p.name === name);
    if (!found) throw new Error(`fixture missing: ${name}`);
    return { certType: '01', documentNumber: found.idNumber, name: found.name, phone: freshPhone() };
  };
  return {
    binder: { certType: '01', documentNumber: binderPerson.idNumber, name: binderPerson.name, phone: freshPhone() },
    member,
    changer: { certType: '01', documentNumber: syntheticIdNumber('19790303'), name: '改密用户', phone: freshPhone() },
    facer: registryPerson('沈桂兰'),
    linker: registryPerson('韦明哲'),
    latecomer: registryPerson('程梓轩'),
  };
}

/** Starts the app, its mock upstreams and Chromium for `t`, and registers `register` through the pages. */
export async function startCentreWorld(t: Test, register: Registrable[]) {
  const testDb = await createTestDatabase();
  t.teardown(() => testDb.drop());
  const clock = createControllableClock();
  const mocks = await startUpstreamMocks(t, { timeoutMs: 5000 });
  const app = await startTestApp(t, {
    database: testDb.database,
    clock,
    overrides: { ...mocks.overrides, login: { qrPollMs: 1000 }, rateLimits: { postsPerIpPerMinute: 100_000 }, sms: { perNumberPerMinute: 100, perNumberPerHour: 100, perNumberPerDay: 100, perIpPerHour: 100_000 } },
  });
  mocks.attach(app);
  const { services } = app.container;
  const db = testDb.database.db;
  const browser = await launchBrowser(t);
  const people = centrePeople();
  for (const key of register) {
    const done = await registerThroughPages(app, createBrowser(app.url), '/register', people[key]);
    if (done.status !== 201) throw new Error(`registration failed: ${done.status}`);
  }
  return {
    app,
    clock,
    mocks,
    services,
    db,
    browser,
    upstreamAccounts: loadUpstreamAccounts(),
    people,
    accountIdOf: async (person: Person) => (await services.accounts.findAccountIdByDocument(person.documentNumber)) as string,
    auditRows: (subject: string, event: string) => db.selectFrom('audit_events').selectAll().where('subject', '=', subject).where('event', '=', event).orderBy('id').execute(),
    /** A fresh context signed in to the centre as `person`, on `path`. */
    centre: async (t: Test, person: Person, path = '/account', viewport?: { width: number; height: number }): Promise<TestPage> => {
      const tp = await newTestPage(t, browser, viewport ? { viewport } : {});
      await signInToCentre(tp.page, app.url, person.phone, person.password ?? strongPassword, path);
      return tp;
    },
  };
}

/** The text of the element a labelled field's aria-describedby points at. */
export const describedBy = (page: Page, label: string) =>
  page.getByLabel(label, { exact: true }).evaluate((el) => document.getElementById(el.getAttribute('aria-describedby') ?? '')?.textContent?.trim() ?? '');
export const notice = async (page: Page) => (await page.getByRole('status').first().textContent())?.trim();
export const alert = async (page: Page) => (await page.getByRole('alert').first().textContent())?.trim();

/** Screenshots of the current page at both sizes (viewport changed in place). */
export async function screenshotsOf(page: Page, name: string): Promise<void> {
  const original = page.viewportSize();
  for (const [label, viewport] of viewports) {
    await page.setViewportSize(viewport);
    await screenshot(page, `${name}-${label}`);
  }
  if (original) {
    await page.setViewportSize(original);
    await mediaChangesSeen(page);
  }
}

/**
 * Resolves once the page has run its listeners of media-query changes for the current viewport: they
 * are dispatched in the rendering step before the next frame's callbacks, so two frames are enough.
 * (qr-fold.js closes the QR folds again when the viewport is back at phone width; acting before it has
 * would race it.)
 */
async function mediaChangesSeen(page: Page): Promise<void> {
  await page.evaluate(() => new Promise<void>((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => resolve()))));
}

export type CentreWorld = Awaited<ReturnType<typeof startCentreWorld>>;
