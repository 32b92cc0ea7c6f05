// The QR login ticket carries its secret in the path (/qr/l/<id>.<secret>); the debug access log
// must show the route shape, never the ticket (issue 12). Runs the real app with a capturing
// pino logger at debug level and follows the QR link the login page shows.

import { Writable } from 'node:stream';
import t from 'tap';
import { createLogger } from '../../src/log/logger.js';
import { startTestApp } from '../helpers/app.js';
import { createTestDatabase, engineName } from '../helpers/database.js';
import { createBrowser } from '../helpers/http-client.js';
import { demoRelyingParty } from '../helpers/oidc-flow.js';

t.test(`no QR ticket secret in the debug log (${engineName})`, async (t) => {
  const testDb = await createTestDatabase();
  t.teardown(() => testDb.drop());
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString('utf8'));
      done();
    },
  });
  const app = await startTestApp(t, { database: testDb.database, logger: createLogger('debug', sink) });
  const rp = await demoRelyingParty(app);
  const browser = createBrowser(app.url);
  const flow = await rp.authorize(browser);
  const qrTab = await browser.get(`${flow.page.url}?method=qr`);
  const token = /\/qr\/l\/([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)/.exec(qrTab.text)?.[1];
  if (!token) throw new Error('the login page shows no QR ticket link');
  const [ticketId, secret] = token.split('.') as [string, string];

  const landing = await browser.get(`/qr/l/${token}`);
  t.equal(landing.status, 303, 'the landing URL answers (development: on to the app simulator)');
  await browser.get(landing.location as string);
  await browser.get(`/qr/l/${token}/extra`);
  await fetch(`${app.url}/api/app/qr/scan`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ticket: `${app.url}/qr/l/${token}` }) });

  const log = lines.join('');
  const requests = lines.map((line) => JSON.parse(line) as { msg?: string; path?: string }).filter((entry) => entry.msg === 'request');
  t.ok(requests.some((entry) => entry.path === '/qr/l/:ticket'), 'the landing request is logged by its route shape');
  t.ok(requests.some((entry) => entry.path === '/qr/l/:ticket/extra'), 'also with a trailing segment');
  t.ok(requests.some((entry) => entry.path === '/api/app/qr/scan'), 'the app API request is logged');
  t.notOk(log.includes(secret), 'the ticket secret appears nowhere in the log');
  t.notOk(log.includes(token), 'nor the ticket');
  t.notOk(log.includes(ticketId), 'nor its id');
});
