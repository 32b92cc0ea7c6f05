// The operator grants the 办件 API from the command line: `clients add --cases` gives the client the
// scope cases:write and the client credentials grant, `--cases-webhook-uri` its rating webhook;
// without --cases a client has neither.

import t from 'tap';
import { clientsCommand } from '../../../src/cli/clients.js';
import type { CliContext } from '../../../src/cli/context.js';
import { createOperations } from '../../../src/console/operations.js';
import { findClientRow } from '../../../src/repositories/clients.js';
import { startTestApp } from '../../helpers/app.js';
import { createTestDatabase, engineName } from '../../helpers/database.js';

t.test(`clients add --cases (${engineName})`, async (t) => {
  const testDb = await createTestDatabase();
  t.teardown(() => testDb.drop());
  const c = (await startTestApp(t, { database: testDb.database })).container;
  const operations = createOperations({ db: c.database.db, clock: c.clock, audit: c.services.audit, clients: c.clients, accounts: c.services.accounts, lockout: c.services.lockout, sms: c.services.smsCodes, box: c.secrets.cipher });
  const add = async (args: string[]) => {
    const lines: string[] = [];
    const ctx: CliContext = {
      config: c.config, logger: c.logger, clock: c.clock, database: c.database, secrets: c.secrets,
      services: () => c.services, operations: () => operations, out: (l) => lines.push(l),
    };
    t.equal(await clientsCommand(ctx, ['add', ...args]), 0);
    const id = (lines.find((l) => l.startsWith('client_id=')) ?? '').slice('client_id='.length);
    return (await findClientRow(testDb.database.db, id))?.metadata ?? {};
  };
  const granted = await add(['--name', '社保业务', '--redirect-uri', 'https://svc.example.gov.cn/cb', '--cases', '--cases-webhook-uri', 'https://svc.example.gov.cn/hook']);
  t.match(granted.scope, /(^| )cases:write( |$)/, 'the scope cases:write');
  t.match(granted.scope, /(^| )openid( |$)/, 'with the sign-in scopes it keeps');
  t.ok((granted.grant_types as string[]).includes('client_credentials'), 'and the client credentials grant');
  t.equal(granted.cases_webhook_uri, 'https://svc.example.gov.cn/hook');
  const plain = await add(['--name', '普通应用', '--redirect-uri', 'https://plain.example.gov.cn/cb']);
  t.equal(plain.scope, undefined, 'without --cases: no cases:write');
  t.equal(plain.cases_webhook_uri, undefined);
});
