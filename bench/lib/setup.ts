// The bench's set-up: a fresh database (migrated and seeded in bulk), the clients, the upstream
// mocks, the two bare reference providers, and the Bench every scenario works with (load
// generators, CPU meter, provider start with a given WORKERS).

import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { sql } from 'kysely';
import pg from 'pg';
import { loadConfig } from '../../src/config/load.js';
import { loadPolicies } from '../../src/config/policies.js';
import { connectDatabase } from '../../src/db/connect.js';
import { migrateToLatest } from '../../src/db/migrator.js';
import { createLogger } from '../../src/log/logger.js';
import { createSecrets } from '../../src/services/secrets.js';
import { cpuMeter, waitForQuiet } from './cpu.js';
import { basic, form, metricsToken, processTree, scrapeMetrics, type Bench, type BenchOptions, type HttpResult, type SignInResult } from './context.js';
import { HttpClient } from './http.js';
import { freePort, runForResult, startProcess, waitForHttp } from './procs.js';
import { seedAccounts, seedCaptchas } from './seed.js';
import { passwordSignIn, type RelyingParty } from './signin.js';

const smallAccounts = 1000;
const password = 'Bench#2026pass';
const captchaAnswer = 'bench';

export interface SetUp {
  bench: Bench;
  pgVersion: string;
  /** Stops the reference providers (the endpoint scenarios are done with them). */
  stopReferences(): Promise<void>;
  /** Wall-clock waits for a quiet machine before each measurement. */
  quietWaits: number[];
}

export async function setUpBench(p: {
  root: string;
  tmp: string;
  options: BenchOptions;
  log(message: string): void;
  adminUrl: string;
  dbName: string;
  dbUrl: string;
  /** Called once the database exists (so that it is dropped whatever happens next). */
  onDatabaseCreated(): void;
  /** The endpoint scenarios will run: start the reference providers. */
  needsReferences: boolean;
}): Promise<SetUp> {
  const { root, tmp, options, log, adminUrl, dbName, dbUrl, needsReferences } = p;
  const { durationSec, warmupSec, connections } = options;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  const pgVersion = ((await admin.query<{ server_version: string }>('show server_version')).rows[0]?.server_version ?? 'unknown').split(' ')[0] ?? 'unknown';
  await admin.query(`create database ${dbName}`);
  p.onDatabaseCreated();
  await admin.end();
  log(`created database ${dbName} (PostgreSQL ${pgVersion})`);

  // Secrets and settings shared by the provider and the seeding code.
  const encryptionKey = `k1:${randomBytes(32).toString('base64url')}`;
  const cookieKey = randomBytes(32).toString('base64url');
  const registryApp = { appKey: 'bench', appSecret: randomBytes(24).toString('base64url'), apiKey: randomBytes(16).toString('hex') };
  const rp: RelyingParty = { clientId: 'bench-rp', clientSecret: randomBytes(32).toString('base64url'), redirectUri: 'https://rp.bench.test/callback', scope: 'openid profile phone' };
  const cc = { clientId: 'bench-cc', clientSecret: randomBytes(32).toString('base64url') };
  const clients = [
    {
      client_id: rp.clientId,
      client_secret: rp.clientSecret,
      client_name: '压测业务系统 (bench)',
      redirect_uris: [rp.redirectUri],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      first_party: true,
      required_level: 'registered',
    },
    {
      client_id: cc.clientId,
      client_secret: cc.clientSecret,
      client_name: 'bench service account',
      redirect_uris: [],
      grant_types: ['client_credentials'],
      response_types: [],
      token_endpoint_auth_method: 'client_secret_basic',
    },
  ];
  const clientsFile = join(tmp, 'clients.json');
  writeFileSync(clientsFile, JSON.stringify(clients, null, 2));


  // ------------------------------------------------ upstreams, database, seed
  const upstreams = await startProcess('upstreams', process.execPath, ['--import', 'tsx', join(root, 'bench/upstreams.ts'), JSON.stringify(registryApp)], { cwd: root, logDir: tmp, wantReady: true });
  const upstreamUrl = String(upstreams.ready.url);
  const port = await freePort();
  const issuer = `https://127.0.0.1:${port}`;
  const base = `http://127.0.0.1:${port}`;
  const providerEnv: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: 'production',
    PORT: String(port),
    ISSUER: issuer,
    LOG_LEVEL: 'info',
    DATABASE_URL: dbUrl,
    ENCRYPTION_KEY: encryptionKey,
    COOKIE_KEYS: cookieKey,
    METRICS_TOKEN: metricsToken,
    // The load generator connects over loopback and plays the load balancer (X-Forwarded-For/-Proto).
    TRUSTED_PROXIES: '127.0.0.1/32',
    CLIENTS_FILE: clientsFile,
    SMS_DRIVER: 'http',
    SMS_URL: `${upstreamUrl}/sms`,
    // The load generator shares the machine: keep the citizens' proof of work small, the server's check is the same.
    POW_DIFFICULTY: '1000',
    SMS_API_KEY: registryApp.apiKey,
    REGISTRY_DRIVER: 'http',
    REGISTRY_URL: `${upstreamUrl}/verify`,
    REGISTRY_APP_KEY: registryApp.appKey,
    REGISTRY_APP_SECRET: registryApp.appSecret,
  };
  const config = loadConfig({ env: providerEnv });
  const logger = createLogger('warn');
  const secrets = createSecrets(config, logger);
  const database = await connectDatabase({ databaseUrl: dbUrl, dataDir: tmp, logger });
  await migrateToLatest(database.db as never, logger);
  const passwordHash = bcrypt.hashSync(password, config.security.bcryptCost);
  // the seeded citizens agreed to the texts the provider serves, so no sign-in stops at the policies page
  const policyVersion = loadPolicies(config.site.policiesFile).version;
  log(`seeding ${smallAccounts} accounts (one shared bcrypt hash, cost ${config.security.bcryptCost}) and captchas`);
  let seeded = 0;
  const seedAccountsTo = async (n: number) => {
    if (n <= seeded) return;
    log(`seeding accounts ${seeded}…${n} (bulk inserts)`);
    await seedAccounts(database.db, secrets, passwordHash, seeded, n, policyVersion);
    seeded = n;
    await sql`analyze`.execute(database.db);
  };
  await seedAccountsTo(smallAccounts);
  const captchas = await seedCaptchas(database.db, secrets.keyring.current.keys.otp, captchaAnswer, 36_000, 3 * 3600);
  let captchaCursor = 0;

  // ------------------------------------------------ the references: the bare oidc-provider in memory and on PostgreSQL
  // They stay up while the endpoint scenarios run: each is measured right before our first run of
  // the same request, so a busy moment on a shared machine hits both sides alike.
  let references: Bench['references'];
  const startReference = async (name: string, databaseUrl?: string) => {
    const started = await startProcess(
      name,
      process.execPath,
      ['--import', 'tsx', join(root, 'bench/reference-provider.ts'), JSON.stringify({ issuer: 'https://reference.bench.test', clients, cookieKey, ...(databaseUrl ? { databaseUrl } : {}) })],
      { cwd: root, logDir: tmp, wantReady: true, env: { ...process.env, NODE_ENV: 'production' } },
    );
    return { started, ref: { base: String(started.ready.url), pid: started.child.pid ?? 0, accessToken: String(started.ready.accessToken), refreshToken: String(started.ready.refreshToken) } };
  };
  const referenceProcs: Array<Awaited<ReturnType<typeof startReference>>['started']> = [];
  if (needsReferences) {
    log('references: starting the bare oidc-provider in memory and on PostgreSQL (textbook adapter)');
    const memory = await startReference('reference-provider');
    const onPg = await startReference('reference-provider-pg', dbUrl);
    referenceProcs.push(memory.started, onPg.started);
    references = { memory: memory.ref, pg: onPg.ref };
  }

  const quietWaits: number[] = [];
  const bench: Bench = {
    root,
    tmp,
    options,
    log,
    base,
    issuer,
    rp,
    cc,
    password,
    database,
    secrets,
    passwordHash,
    policyVersion,
    smallAccounts,
    accounts: () => seeded,
    seedAccountsTo,
    references,
    takeCaptchas(n) {
      const slice = captchas.slice(captchaCursor, captchaCursor + n);
      captchaCursor += n;
      return slice;
    },
    httpLoad: (name, url, request = {}) =>
      runForResult<HttpResult>(name, join(root, 'bench/load-http.ts'), JSON.stringify({ url, connections, durationSec, warmupSec, method: request.method, headers: request.headers, body: request.body }), {
        cwd: root,
        logDir: tmp,
        timeoutMs: (durationSec + warmupSec + 30) * 1000,
      }),
    signIns(name, job) {
      const file = join(tmp, `job-${name}-${Date.now()}.json`);
      writeFileSync(file, JSON.stringify({ base, publicOrigin: issuer, rp, password, captchaAnswer, sinkUrl: upstreamUrl, ...job }));
      return runForResult<SignInResult>(name, join(root, 'bench/load-signin.ts'), file, { cwd: root, logDir: tmp, timeoutMs: (durationSec + warmupSec + 60) * 1000 });
    },
    async metered(pids, run) {
      const quiet = await waitForQuiet(5_000);
      quietWaits.push(quiet.waitedMs);
      const window = cpuMeter(pids).start();
      const r = await run();
      return { ...r, cpu: window.stop(r.cpuSeconds) };
    },
    async startProvider(workers, nodeArgs = []) {
      const started = await startProcess(`provider-w${workers}`, process.execPath, [...nodeArgs, join(root, 'dist/src/main.js')], {
        cwd: root,
        logDir: tmp,
        wantReady: false,
        env: { ...providerEnv, WORKERS: String(workers) },
      });
      const alive = () => started.child.exitCode === null;
      await waitForHttp(`${base}/readyz`, 90_000, alive);
      // Every worker up (the primary counts them), not just the first one.
      const until = Date.now() + 90_000;
      while (workers > 1 && ((await scrapeMetrics(base)).get('jsrs_cluster_workers') ?? 0) < workers) {
        if (!alive() || Date.now() > until) throw new Error(`the provider did not start ${workers} workers (see provider-w${workers}.log)`);
        await new Promise((r) => setTimeout(r, 200));
      }
      const pid = started.child.pid ?? 0;
      const client = new HttpClient({ base, publicOrigin: issuer });
      const tokens = await passwordSignIn(client, rp, '13900000000', password);
      client.close();
      if (!tokens.refresh_token) throw new Error('the first-party sign-in returned no refresh token');
      const cc = await fetch(`${base}/token`, { method: 'POST', headers: { ...form, authorization: basic(bench.cc.clientId, bench.cc.clientSecret), 'x-forwarded-proto': 'https' }, body: 'grant_type=client_credentials' });
      if (cc.status !== 200) throw new Error(`client credentials: ${cc.status} ${await cc.text()}`);
      log(`provider: dist/src/main.js, NODE_ENV=production, WORKERS=${workers} ready; one scripted sign-in done`);
      return { workers, pids: () => processTree(pid), accessToken: tokens.access_token, refreshToken: tokens.refresh_token, scrape: () => scrapeMetrics(base), started };
    },
    profiles: {},
    facts: {},
  };

  return {
    bench,
    pgVersion,
    quietWaits,
    async stopReferences() {
      for (const ref of referenceProcs.splice(0)) await ref.stop();
    },
  };
}
