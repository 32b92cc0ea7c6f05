// Issue 17: the CLI gains the console's actions for automation, through the same operations: client
// update and secret rotation, account lookup by exact document or phone (masked), unlock, revoke
// sessions, the audit export filtered by account, event and time. Runs the commands in-process.

import t from 'tap';
import type { CliContext } from '../../../src/cli/context.js';
import { accountsCommand } from '../../../src/cli/accounts.js';
import { auditCommand } from '../../../src/cli/audit.js';
import { clientsCommand } from '../../../src/cli/clients.js';
import { staffCommand } from '../../../src/cli/staff.js';
import { createOperations } from '../../../src/console/operations.js';
import { accountLockoutKey } from '../../../src/services/lockout.js';
import { startTestApp } from '../../helpers/app.js';
import { freshPhone, strongPassword, syntheticIdNumber } from '../../helpers/citizens.js';
import { createTestDatabase, engineName } from '../../helpers/database.js';

t.test(`CLI operator commands (${engineName})`, async (t) => {
  const testDb = await createTestDatabase();
  t.teardown(() => testDb.drop());
  const app = await startTestApp(t, { database: testDb.database });
  const c = app.container;
  let lines: string[] = [];
  const operations = createOperations({ db: c.database.db, clock: c.clock, audit: c.services.audit, clients: c.clients, accounts: c.services.accounts, lockout: c.services.lockout, sms: c.services.smsCodes, box: c.secrets.cipher });
  const ctx: CliContext = {
    config: c.config, logger: c.logger, clock: c.clock, database: c.database, secrets: c.secrets,
    services: () => c.services, operations: () => operations, out: (line) => lines.push(line),
  };
  const run = async (fn: typeof clientsCommand, args: string[]) => {
    lines = [];
    return fn(ctx, args);
  };

  await t.test('clients update and rotate-secret', async (t) => {
    t.equal(await run(clientsCommand, ['add', '--name', 'Cases', '--redirect-uri', 'https://cases.example/cb']), 0);
    const clientId = lines[0]?.replace('client_id=', '') as string;
    const firstSecret = lines[1]?.replace('client_secret=', '');
    t.equal(await run(clientsCommand, ['update', clientId, '--name', 'Cases desk', '--first-party', '--scope', 'cases:write', '--reason', 'ticket 42']), 0);
    const stored = await c.clients.find(clientId);
    t.match(stored, { client_name: 'Cases desk', first_party: true, redirect_uris: ['https://cases.example/cb'] }, 'the named fields change, the rest stays');
    t.same(String(stored?.scope).split(' ').filter((s) => ['openid', 'profile', 'cases:write'].includes(s)).sort(), ['cases:write', 'openid', 'profile'], 'an extra scope adds to the standard ones');
    t.equal(stored?.client_secret, firstSecret, 'an update keeps the secret');
    t.notOk(lines.join('').includes(firstSecret as string), 'the update never prints the secret');
    await run(clientsCommand, ['update', clientId, '--first-party=false']);
    t.equal((await c.clients.find(clientId))?.first_party, false, '--first-party=false switches it off');
    t.equal(await run(clientsCommand, ['rotate-secret', clientId]), 0);
    const rotated = lines[0]?.replace('client_secret=', '');
    t.not(rotated, firstSecret);
    t.equal((await c.clients.find(clientId))?.client_secret, rotated, 'the new secret is stored');
    await t.rejects(run(clientsCommand, ['update', clientId, '--redirect-uri', 'not a url']), { code: 'console.clients.bad_uri' });
    await t.rejects(run(clientsCommand, ['rotate-secret', 'rp-none']), { code: 'errors.not_found' });
  });

  const phone = freshPhone();
  const idNumber = syntheticIdNumber();
  const { accountId } = await c.services.accounts.register({ certType: '01', documentNumber: idNumber, name: '柯文静', phoneE164: `+86${phone}`, password: strongPassword, channel: 'web' });

  await t.test('accounts find by exact phone or document, masked', async (t) => {
    t.equal(await run(accountsCommand, ['find', '--phone', phone]), 0);
    const found = JSON.parse(lines[0] as string) as Record<string, unknown>;
    t.match(found, { accountId, name: '*文静', phone: `${phone.slice(0, 3)}****${phone.slice(7)}`, level: 'registered' });
    t.notOk(lines.join('').includes(phone) || lines.join('').includes(idNumber), 'never the full numbers');
    t.equal(await run(accountsCommand, ['find', '--document', idNumber]), 0);
    t.equal((JSON.parse(lines[0] as string) as { accountId: string }).accountId, accountId);
    t.equal(await run(accountsCommand, ['find', '--phone', phone.slice(0, 7)]), 1, 'no partial match');
    await t.rejects(run(accountsCommand, ['find']), /exactly one of --document or --phone/);
  });

  await t.test('accounts unlock and revoke-sessions need a reason and are audited', async (t) => {
    const key = accountLockoutKey(accountId);
    for (let i = 0; i < c.services.lockout.maxFailures; i += 1) await c.services.lockout.attempt(key, async () => false);
    t.ok((await operations.citizen(accountId))?.lock.lockedUntil, 'the account is locked');
    await t.rejects(run(accountsCommand, ['unlock', accountId]), /needs --reason/);
    t.ok((await operations.citizen(accountId))?.lock.lockedUntil, 'without a reason nothing changes');
    t.equal(await run(accountsCommand, ['unlock', accountId, '--reason', 'caller verified by 12333']), 0);
    t.notOk((await operations.citizen(accountId))?.lock.lockedUntil, 'unlocked');
    await c.services.accountCentre.startSession(accountId, {});
    t.equal(await run(accountsCommand, ['revoke-sessions', accountId, '--reason', 'lost phone']), 0);
    t.match(lines[0], /^ended [1-9]\d* sessions/);
    t.equal((await c.services.accountCentre.listSessions(accountId)).length, 0, 'the user-centre sessions are gone');
  });

  await t.test('staff create prints a one-time enrolment link for the first administrator', async (t) => {
    t.equal(await run(staffCommand, ['create', '--username', 'Admin', '--name', '王管理', '--role', 'sysadmin']), 0);
    t.match(lines[0], /^staff_id=[0-9a-f-]{36}$/);
    const link = lines[1]?.replace('enrolment_link=', '') as string;
    t.match(link, new RegExp(`^${app.url}/console/enrol/[A-Za-z0-9_-]{43}$`));
    t.equal((await fetch(link)).status, 200, 'the link opens the enrolment page');
    await run(staffCommand, ['list']);
    t.match(lines[0], /\tadmin\tsysadmin\tnot enrolled$/, 'listed, lower-cased, not enrolled yet');
    await t.rejects(run(staffCommand, ['create', '--username', 'x2', '--name', 'x', '--role', 'root']), /unknown role root/);
  });

  await t.test('audit export filtered by account, event and time', async (t) => {
    t.equal(await run(auditCommand, ['export', '--account', accountId]), 0);
    const events = lines.map((l) => JSON.parse(l) as { event: string; subject: string; actor: string; details: Record<string, unknown> });
    t.ok(events.length >= 3 && events.every((e) => e.subject === accountId || e.actor === accountId), 'only this account’s events');
    t.match(events.find((e) => e.event === 'account.unlocked'), { actor: 'cli', details: { reason: 'caller verified by 12333' } });
    await run(auditCommand, ['export', '--event', 'account.sessions_revoked']);
    t.ok(lines.length >= 1 && lines.every((l) => (JSON.parse(l) as { event: string }).event === 'account.sessions_revoked'), 'only that event');
    await run(auditCommand, ['export', '--event', 'client.']);
    t.ok(lines.some((l) => /client\.secret_rotated/.test(l)) && lines.every((l) => /"event":"client\./.test(l)), 'a prefix ending in a dot');
    await run(auditCommand, ['export', '--account', accountId, '--until', '2000-01-01T00:00:00Z']);
    t.equal(lines.length, 0, 'and by time');
  });
});
