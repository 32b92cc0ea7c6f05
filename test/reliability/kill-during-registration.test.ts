// SIGKILL in the middle of registrations (a slow population registry keeps them in flight): after
// a restart there is no half-created account, and an interrupted registration can be finished.

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import t from 'tap';
import pg from 'pg';
import { createEmptyPostgresDatabase, testDatabaseUrl } from '../helpers/database.js';
import { testEncryptionKey } from '../helpers/app.js';
import { freshPhone, syntheticIdNumber, strongPassword } from '../helpers/citizens.js';
import { startNodeProcess, type NodeProcess } from '../helpers/node-process.js';
import { solvePow } from '../helpers/oidc-flow.js';
import type { Challenge } from 'altcha-lib';

async function json(url: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url, body === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** Asks for a captcha and an SMS code; returns the flow id and the code. */
async function prepare(node: NodeProcess, person: { document: string; phone: string }) {
  const captcha = await json(`${node.url}/api/register/captcha`, {});
  const answer = (await json(`${node.url}/dev/captcha.json`)).body.answer as string;
  const sent = await json(`${node.url}/api/register/sms-code`, { cert_type: '01', document_number: person.document, name: '断电测试', phone: person.phone, captcha_id: captcha.body.captcha_id, captcha_answer: answer, pow_solution: await solvePow(captcha.body.pow_challenge as Challenge) });
  if (sent.status !== 200) throw new Error(`sms-code answered ${sent.status} ${JSON.stringify(sent.body)}`);
  const outbox = (await (await fetch(`${node.url}/dev/outbox.json?phone=${person.phone}`)).json()) as Array<{ text: string }>;
  return { flow: sent.body.flow_id as string, code: /(\d{6})/.exec(outbox[0]?.text ?? '')?.[1] as string };
}

const finish = (node: NodeProcess, person: { document: string; phone: string }, prepared: { flow: string; code: string }) =>
  json(`${node.url}/api/register`, { flow_id: prepared.flow, cert_type: '01', document_number: person.document, name: '断电测试', phone: person.phone, sms_code: prepared.code, password: strongPassword, agree_privacy: true, agree_document: true });

t.test('SIGKILL during registrations leaves no half-created account', { skip: testDatabaseUrl ? false : 'needs a database that outlives the killed process (PostgreSQL)' }, async (t) => {
  const registry = http.createServer((req, res) => {
    req.resume();
    setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end('{"result":"mismatch"}'), 100 + Math.floor(Math.random() * 600));
  });
  await new Promise<void>((resolve) => registry.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => { registry.closeAllConnections(); registry.close(() => resolve()); }));
  const fresh = await createEmptyPostgresDatabase(testDatabaseUrl as string);
  t.teardown(() => fresh.drop());
  const env = {
    DATABASE_URL: fresh.url, ENCRYPTION_KEY: testEncryptionKey, BCRYPT_COST: '4', SMS_PER_NUMBER_PER_MINUTE: '5',
    REGISTRY_DRIVER: 'http', REGISTRY_URL: `http://127.0.0.1:${(registry.address() as AddressInfo).port}/verify`, REGISTRY_APP_KEY: 'k', REGISTRY_APP_SECRET: 's'.repeat(32), REGISTRY_TIMEOUT_MS: '3000',
  };
  const first = await startNodeProcess(env);
  t.teardown(() => first.stop('SIGKILL'));
  const people = Array.from({ length: 8 }, () => ({ document: syntheticIdNumber(), phone: freshPhone() }));
  const prepared: Array<{ flow: string; code: string }> = [];
  for (const person of people) prepared.push(await prepare(first, person));

  const inFlight = people.map((person, i) => finish(first, person, prepared[i]!).catch(() => ({ status: 0, body: {} })));
  await new Promise((r) => setTimeout(r, 450));
  t.equal(await first.stop('SIGKILL'), 'SIGKILL', 'the process was killed');
  const answered = await Promise.all(inFlight);
  const completedBeforeKill = answered.filter((a) => a.status === 201).length;
  t.ok(completedBeforeKill < people.length, `some registrations were cut off (${people.length - completedBeforeKill} of ${people.length})`);

  const second = await startNodeProcess(env);
  t.teardown(() => second.stop('SIGKILL'));
  const client = new pg.Client({ connectionString: fresh.url });
  await client.connect();
  t.teardown(() => client.end());
  const whole = await client.query(`select
      (select count(*) from accounts)::int as accounts,
      (select count(*) from accounts a join account_documents d on d.account_id = a.id join phones p on p.account_id = a.id join password_credentials c on c.account_id = a.id)::int as whole`);
  const counts = whole.rows[0] as { accounts: number; whole: number };
  t.equal(counts.whole, counts.accounts, `every account that exists is whole (${counts.accounts} after the kill)`);
  t.ok(counts.accounts >= completedBeforeKill, 'every registration that answered 201 is there');

  let finished = 0;
  for (const [i, person] of people.entries()) {
    const retry = await finish(second, person, prepared[i]!);
    if (retry.status === 201) {
      finished += 1;
      continue;
    }
    if (retry.status === 409) {
      t.pass('a registration that committed before the kill is a clean conflict');
      continue;
    }
    // the code was used by the cut-off attempt: start the registration again
    const captcha = await json(`${second.url}/api/register/captcha`, {});
    const answer = (await json(`${second.url}/dev/captcha.json`)).body.answer as string;
    const sent = await json(`${second.url}/api/register/sms-code`, { cert_type: '01', document_number: person.document, name: '断电测试', phone: person.phone, captcha_id: captcha.body.captcha_id, captcha_answer: answer, pow_solution: await solvePow(captcha.body.pow_challenge as Challenge) });
    t.equal(sent.status, 200, 'an interrupted registration can be started again');
    const outbox = (await (await fetch(`${second.url}/dev/outbox.json?phone=${person.phone}`)).json()) as Array<{ text: string }>;
    const code = /(\d{6})/.exec(outbox[0]?.text ?? '')?.[1];
    if (code === undefined) {
      // Issue 12: a phone that already has an account gets a notice instead of a code.
      t.match(outbox[0]?.text, /您的手机号已注册/, 'a registration that committed before the kill (its answer lost): its phone is told it is registered');
      continue;
    }
    const again = await finish(second, person, { flow: sent.body.flow_id as string, code });
    t.equal(again.status, 201, 'and finished');
    finished += 1;
  }
  const total = await client.query('select count(*)::int as n from accounts');
  t.equal((total.rows[0] as { n: number }).n, people.length, 'in the end every citizen has exactly one account');
  t.ok(finished + counts.accounts >= people.length, 'nothing was lost');
});
