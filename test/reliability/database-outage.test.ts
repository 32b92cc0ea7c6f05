// The database goes away while citizens sign in (our own cluster, stopped with pg_ctl): requests
// answer 503 or OAuth temporarily_unavailable within a bound, never 500; /readyz turns 503; the
// process stays up; when the database returns, sign-ins succeed again without a restart, and
// nothing is left half-written.

import t from 'tap';
import { connectDatabase } from '../../src/db/connect.js';
import { migrateToLatest } from '../../src/db/migrator.js';
import { startTestApp } from '../helpers/app.js';
import { createBrowser, inputValue } from '../helpers/http-client.js';
import { demoRedirect, demoRelyingParty } from '../helpers/oidc-flow.js';
import { freshPhone, registerThroughPages, strongPassword, syntheticIdNumber } from '../helpers/citizens.js';
import { createPgCluster } from '../helpers/pg-cluster.js';

t.test('a database outage during sign-ins', async (t) => {
  const cluster = await createPgCluster();
  t.teardown(() => cluster.destroy());
  const database = await connectDatabase({ databaseUrl: cluster.url, dataDir: 'unused', connectTimeoutMs: 1000, statementTimeoutMs: 3000, poolMax: 4 });
  await migrateToLatest(database.db as never);
  t.teardown(() => database.close());
  const app = await startTestApp(t, { database });
  const rp = await demoRelyingParty(app);

  const phone = freshPhone();
  await registerThroughPages(app, createBrowser(app.url), '/register', { certType: '01', documentNumber: syntheticIdNumber(), name: '断库测试', phone });
  const signIn = async () => {
    const browser = createBrowser(app.url, { timeoutMs: 8000 });
    const flow = await rp.authorize(browser);
    const res = await browser.post(`${flow.page.url}/password`, { _csrf: inputValue(flow.page.text, '_csrf') ?? '', account: phone, password: strongPassword });
    return rp.finish(browser, res.location as string, flow);
  };
  t.ok((await signIn()).access_token, 'sign-in works before the outage');

  // a browser half-way through a sign-in when the database goes
  const browser = createBrowser(app.url, { timeoutMs: 8000 });
  const flow = await rp.authorize(browser);
  cluster.stop();

  const started = Date.now();
  const answers: number[] = [];
  const login = await browser.post(`${flow.page.url}/password`, { _csrf: inputValue(flow.page.text, '_csrf') ?? '', account: phone, password: strongPassword });
  answers.push(login.status);
  t.equal(login.status, 503, 'the password form answers 503');
  t.match(login.text, /服务暂时不可用/, 'with a friendly page');
  const auth = await rp.authorize(createBrowser(app.url, { timeoutMs: 8000 }));
  const authUrl = new URL(auth.page.url);
  if (auth.page.url.startsWith(demoRedirect)) {
    t.equal(authUrl.searchParams.get('error'), 'temporarily_unavailable', 'a new authorization returns temporarily_unavailable to the client');
  } else {
    answers.push(auth.page.status);
    t.equal(auth.page.status, 503, 'a new authorization answers 503');
  }
  const token = await fetch(`${app.url}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from('demo-rp:demo-rp-secret-change-me').toString('base64')}` },
    body: 'grant_type=authorization_code&code=abc&redirect_uri=' + encodeURIComponent(demoRedirect) + '&code_verifier=' + 'x'.repeat(43),
    signal: AbortSignal.timeout(8000),
  });
  answers.push(token.status);
  t.not(token.status, 500, `the token endpoint does not answer 500 (got ${token.status})`);
  t.equal(((await token.json()) as { error: string }).error, 'temporarily_unavailable');
  const ready = await fetch(`${app.url}/readyz`, { signal: AbortSignal.timeout(8000) });
  t.equal(ready.status, 503, '/readyz reports the outage');
  t.ok(Date.now() - started < 20_000, `every answer came within a bound (${Date.now() - started} ms for four)`);
  t.notOk(answers.includes(500), 'no 500 anywhere');
  t.equal((await fetch(`${app.url}/healthz`)).status, 200, 'the process is up');

  cluster.start();
  let readyAgain = 0;
  for (let i = 0; i < 40 && readyAgain !== 200; i += 1) {
    readyAgain = (await fetch(`${app.url}/readyz`)).status;
    if (readyAgain !== 200) await new Promise((r) => setTimeout(r, 250));
  }
  t.equal(readyAgain, 200, 'ready again without a restart');
  t.ok((await signIn()).access_token, 'sign-ins succeed again');

  const accounts = await database.db.selectFrom('accounts').leftJoin('account_documents', 'account_documents.account_id', 'accounts.id').leftJoin('phones', 'phones.account_id', 'accounts.id').leftJoin('password_credentials', 'password_credentials.account_id', 'accounts.id')
    .select(['accounts.id', 'account_documents.account_id as doc', 'phones.account_id as phone', 'password_credentials.account_id as pwd']).execute();
  t.equal(accounts.length, 1);
  t.ok(accounts.every((a) => a.doc && a.phone && a.pwd), 'the account is whole');
});
