// Two provider processes on one PostgreSQL database, as behind a load balancer: an authorization
// started on node A completes on node B, a token from A introspects on B, a lockout counted on A
// holds on B, and a key rotation is honoured by both.

import t from 'tap';
import { decodeProtectedHeader } from 'jose';
import { connectDatabase } from '../../src/db/connect.js';
import { createControllableClock } from '../../src/domain/clock.js';
import { loadConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/log/logger.js';
import { rotateKeys } from '../../src/oidc/keys.js';
import { createSecrets } from '../../src/services/secrets.js';
import { createEmptyPostgresDatabase, testDatabaseUrl } from '../helpers/database.js';
import { testEncryptionKey, type TestApp } from '../helpers/app.js';
import { createBrowser, inputValue, type Browser } from '../helpers/http-client.js';
import { demoRedirect, demoRelyingParty } from '../helpers/oidc-flow.js';
import { freshPhone, registerThroughPages, strongPassword, syntheticIdNumber } from '../helpers/citizens.js';
import { startNodeProcess } from '../helpers/node-process.js';
import { freePort } from '../helpers/pg-cluster.js';

const demoAuth = `Basic ${Buffer.from('demo-rp:demo-rp-secret-change-me').toString('base64')}`;

/** Moves this browser's cookies to a browser for another node (same site behind a balancer). */
function sameCookiesOn(from: Browser, baseUrl: string): Browser {
  const to = createBrowser(baseUrl);
  to.jar.store(from.jar.names().map((name) => `${name}=${from.jar.get(name) ?? ''}`));
  return to;
}

t.test('two nodes on one database', { skip: testDatabaseUrl ? false : 'the embedded engine belongs to one process; several nodes need PostgreSQL' }, async (t) => {
  const fresh = await createEmptyPostgresDatabase(testDatabaseUrl as string);
  t.teardown(() => fresh.drop());
  const portA = await freePort();
  const issuer = `http://127.0.0.1:${portA}`;
  const env = { DATABASE_URL: fresh.url, ENCRYPTION_KEY: testEncryptionKey, ISSUER: issuer, KEY_RELOAD_SECONDS: '1', BCRYPT_COST: '4' };
  const nodeA = await startNodeProcess(env, { port: portA });
  t.teardown(() => nodeA.stop('SIGKILL'));
  const nodeB = await startNodeProcess(env);
  t.teardown(() => nodeB.stop('SIGKILL'));

  const phone = freshPhone();
  const registered = await registerThroughPages({ url: nodeA.url } as TestApp, createBrowser(nodeA.url), '/register', { certType: '01', documentNumber: syntheticIdNumber(), name: '两个节点', phone });
  t.equal(registered.status, 201, 'registered on node A');
  const rp = await demoRelyingParty({ url: nodeA.url, container: { config: { devClient: { clientId: 'demo-rp', clientSecret: 'demo-rp-secret-change-me' } } } } as unknown as TestApp);

  /** Starts on A, signs in on B, resumes on B, redeems the code on B. */
  const signInAcrossNodes = async () => {
    const onA = createBrowser(nodeA.url);
    const flow = await rp.authorize(onA);
    t.match(flow.page.url, /\/interaction\//, 'authorization started on A');
    const onB = sameCookiesOn(onA, nodeB.url);
    const pathOnB = new URL(flow.page.url).pathname;
    const posted = await onB.post(`${pathOnB}/password`, { _csrf: inputValue(flow.page.text, '_csrf') ?? '', account: phone, password: strongPassword });
    t.equal(posted.status, 303, 'the password is accepted on B');
    const resume = new URL(posted.location as string);
    const landed = await onB.follow(`${resume.pathname}${resume.search}`, (u) => u.startsWith(demoRedirect));
    const code = new URL(landed.url).searchParams.get('code');
    t.ok(code, 'B returns the code to the client');
    const res = await fetch(`${nodeB.url}/token`, {
      method: 'POST',
      headers: { authorization: demoAuth, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'authorization_code', code: code as string, redirect_uri: demoRedirect, code_verifier: flow.pkce }).toString(),
    });
    t.equal(res.status, 200, 'and B redeems it');
    return (await res.json()) as { access_token: string; id_token: string };
  };

  const tokens = await signInAcrossNodes();
  const introspection = await fetch(`${nodeA.url}/token/introspection`, {
    method: 'POST',
    headers: { authorization: demoAuth, 'content-type': 'application/x-www-form-urlencoded' },
    body: `token=${tokens.access_token}`,
  });
  t.equal(((await introspection.json()) as { active: boolean }).active, true, 'a token from B introspects as active on A');

  for (let i = 0; i < 5; i += 1) {
    const browser = createBrowser(nodeA.url);
    const flow = await rp.authorize(browser);
    await browser.post(`${flow.page.url}/password`, { _csrf: inputValue(flow.page.text, '_csrf') ?? '', account: phone, password: 'Wrong#pass1' });
  }
  const startA = createBrowser(nodeA.url);
  const flowB = await rp.authorize(startA);
  const onB = sameCookiesOn(startA, nodeB.url);
  const lockedOnB = await onB.post(`${new URL(flowB.page.url).pathname}/password`, { _csrf: inputValue(flowB.page.text, '_csrf') ?? '', account: phone, password: strongPassword });
  t.match(lockedOnB.text, /账号已锁定/, 'five failures on A lock the account on B');

  const kidBefore = decodeProtectedHeader(tokens.id_token).kid;
  const database = await connectDatabase({ databaseUrl: fresh.url, dataDir: 'unused' });
  t.teardown(() => database.close());
  const secrets = createSecrets(loadConfig({ env: { NODE_ENV: 'test', ENCRYPTION_KEY: testEncryptionKey } }), createLogger('silent'));
  await rotateKeys(database.db, secrets.cipher, createControllableClock(), 'sig', 3600);
  const newKids = (await database.db.selectFrom('signing_keys').select(['kid', 'alg']).where('use', '=', 'sig').where('status', '=', 'active').execute()).map((k) => k.kid);
  let seenOnBoth = false;
  for (let i = 0; i < 40 && !seenOnBoth; i += 1) {
    const [a, b] = await Promise.all([nodeA.url, nodeB.url].map(async (u) => ((await (await fetch(`${u}/jwks`)).json()) as { keys: Array<{ kid: string }> }).keys.map((k) => k.kid)));
    seenOnBoth = newKids.every((kid) => a?.includes(kid) && b?.includes(kid)) && Boolean(a?.includes(kidBefore as string));
    if (!seenOnBoth) await new Promise((r) => setTimeout(r, 250));
  }
  t.ok(seenOnBoth, 'both nodes publish the new keys (and still the old one)');
});
