// A fresh QR ticket (扫码登录's ticket.json) writes a row, so it is limited per IP like every
// state-changing request: past the limit it answers 429 in JSON with Retry-After, and polling the
// shown ticket's status goes on.

import t from 'tap';
import { startTestApp } from '../helpers/app.js';
import { createTestDatabase, engineName } from '../helpers/database.js';
import { createBrowser } from '../helpers/http-client.js';
import { demoRelyingParty } from '../helpers/oidc-flow.js';

t.test(`QR tickets are limited per IP (${engineName})`, async (t) => {
  const testDb = await createTestDatabase();
  t.teardown(() => testDb.drop());
  const limit = 5;
  const app = await startTestApp(t, { database: testDb.database, overrides: { rateLimits: { postsPerIpPerMinute: limit } } });
  const rp = await demoRelyingParty(app);
  const browser = createBrowser(app.url);
  const flow = await rp.authorize(browser);
  const uid = /\/interaction\/([\w-]+)/.exec(flow.page.url)?.[1] as string;
  const page = await browser.get(`/interaction/${uid}?method=qr`);
  const shown = /data-ticket="([^"]+)"/.exec(page.text)?.[1] as string;
  t.ok(shown, 'the QR tab shows a ticket');

  const statuses: number[] = [];
  for (let i = 0; i < limit; i += 1) statuses.push((await browser.get(`/interaction/${uid}/qr/ticket.json`)).status);
  t.same(statuses, Array(limit).fill(200), `the first ${limit} fresh tickets are issued`);
  const refused = await browser.get(`/interaction/${uid}/qr/ticket.json`);
  t.equal(refused.status, 429, 'the next one is refused');
  t.match(JSON.parse(refused.text), { error: 'errors.rate_limited' }, 'in JSON');
  t.ok(Number(refused.headers.get('retry-after')) > 0, 'with Retry-After');
  const tickets = await testDb.database.db.selectFrom('qr_tickets').select('id').execute();
  t.equal(tickets.length, limit + 1, "and no row written for it (the page's ticket and the five)");

  const polled = await browser.get(`/interaction/${uid}/qr/status.json?ticket=${encodeURIComponent(shown)}`);
  t.equal(polled.status, 200, 'polling a ticket is not limited');
});
