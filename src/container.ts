// Composition root: builds every long-lived part (database, secrets, ports, flow store, services,
// authenticators, provider runtime, jobs) from one Config, in order, and tears them down in reverse.
// Nothing below it reads configuration to choose an adapter; no singletons elsewhere.

import type { Registry } from 'prom-client';
import type { Config } from './config/schema.js';
import type { UpstreamSettings } from './adapters/upstreams/from-config.js';
import { createAuthenticators, type Authenticators } from './authenticators/index.js';
import { connectDatabase, type Database } from './db/connect.js';
import { migrateToLatest } from './db/migrator.js';
import { systemClock, type Clock } from './domain/clock.js';
import { createMetrics, type Metrics } from './http/metrics.js';
import { createViews, type Views } from './http/views.js';
import { bindUnkeyedProofs } from './jobs/bind-unkeyed-proofs.js';
import { schedulePurge } from './jobs/purge-expired.js';
import { scheduleCaseJobs } from './jobs/cases.js';
import { setMissingMessagePolicy } from './i18n/index.js';
import { createLogger, type Logger } from './log/logger.js';
import { createAccountClaims } from './oidc/account-claims.js';
import { createAdapterFactory } from './oidc/adapter.js';
import { createClientStore, type ClientStore } from './oidc/client-store.js';
import { syncConfiguredClients } from './oidc/clients-file.js';
import { attachProviderEvents } from './oidc/events.js';
import { ensureKeys } from './oidc/keys.js';
import { createInteractionPolicy } from './oidc/policy.js';
import { loadPolicies } from './config/policies.js';
import { createProvider } from './oidc/provider.js';
import { createOidcRuntime, type OidcRuntime } from './oidc/runtime.js';
import { createFlowStore } from './flows/engine/store.js';
import { developmentPorts } from './mocks/dev-ports.js';
import { createPorts, type Ports } from './ports.js';
import { createServices, type Services } from './services/index.js';
import { createSecrets, type Secrets } from './services/secrets.js';

export interface Container {
  config: Readonly<Config>;
  logger: Logger;
  clock: Clock;
  database: Database;
  secrets: Secrets;
  clients: ClientStore;
  views: Views;
  metrics: Metrics;
  oidc: OidcRuntime;
  services: Services;
  /** Every sign-in method's authenticator of this process, built once. */
  authenticators: Authenticators;
  /** Upstream endpoints and key material, resolved once (development generates the mocks' keys). */
  upstreamSettings: UpstreamSettings;
  close(): Promise<void>;
}

export interface ContainerOptions {
  config: Readonly<Config>;
  logger?: Logger;
  clock?: Clock;
  /** Use this database instead of connecting (tests share one per file). */
  database?: Database;
  /** Skip background jobs (purge); tests call them directly. */
  jobs?: boolean;
  /** How /metrics reads the node's metrics (a cluster worker asks the primary); default: this process's registry. */
  scrapeMetrics?: (local: Registry) => Promise<string>;
}

/** The ports (mocks only outside production), the flow store and the services on them; the CLI builds the same. */
export function createServiceLayer(deps: { config: Readonly<Config>; db: Database['db']; clock: Clock; logger: Logger; secrets: Secrets }): { ports: Ports; services: Services } {
  const { config, db, clock, logger, secrets } = deps;
  const ports = createPorts({ config, clock, logger, fallback: config.env === 'production' ? undefined : developmentPorts(clock) });
  const flows = createFlowStore({ db, clock, bindingKey: secrets.keyring.current.keys.browserBinding });
  return { ports, services: createServices({ config, db, clock, logger, secrets, ports, flows, policies: loadPolicies(config.site.policiesFile) }) };
}

export async function createContainer(options: ContainerOptions): Promise<Container> {
  const { config } = options;
  setMissingMessagePolicy(config.env === 'production' ? 'show-key' : 'throw');
  const logger = options.logger ?? createLogger(config.logLevel);
  const clock = options.clock ?? systemClock;
  const database =
    options.database ??
    (await connectDatabase({
      databaseUrl: config.databaseUrl,
      dataDir: config.dataDir,
      poolMax: config.db.poolMax,
      connectTimeoutMs: config.db.connectTimeoutMs,
      statementTimeoutMs: config.db.statementTimeoutMs,
      preparedStatements: config.db.preparedStatements,
      logger,
    }));
  const ownsDatabase = !options.database;
  if (config.env === 'production' && !config.databaseUrl) {
    logger.warn('ALLOW_EMBEDDED_DATABASE=true: production runs on the embedded database (one machine, one writer, no replication); set DATABASE_URL');
  }
  const stops: Array<() => void> = [];
  try {
    await migrateToLatest(database.db as never, logger);
    const secrets = createSecrets(config, logger);
    const clients = createClientStore({ db: database.db, box: secrets.cipher, cacheSeconds: config.oidc.clientCacheSeconds });
    await ensureKeys(database.db, secrets.cipher, clock);
    await syncConfiguredClients(config, clients, logger);
    const views = createViews({ watch: config.env === 'development', site: config.site });
    const metrics = createMetrics({
      defaultMetrics: config.env !== 'test',
      dbStats: database.stats,
      ...(options.scrapeMetrics ? { scrape: options.scrapeMetrics } : {}),
    });
    // The upstream settings are resolved once, in createPorts: in development this generates the mocks'
    // keys, so every user of the settings (the adapters, the mounted mocks) must share that one object.
    const { ports, services } = createServiceLayer({ config, db: database.db, clock, logger, secrets });
    const upstreamSettings = ports.upstreamSettings;
    stops.push(() => void services.close());
    const authenticators = createAuthenticators({ config, services, cipher: secrets.cipher, ports, stateKey: secrets.keyring.current.keys.otp });
    await bindUnkeyedProofs({ db: database.db, levels: services.levels, logger });
    const accountClaims = createAccountClaims({ accounts: services.accounts, family: services.family });
    const adapter = createAdapterFactory({ db: database.db, clock, clients });
    const oidc = await createOidcRuntime({
      db: database.db,
      box: secrets.cipher,
      clock,
      logger,
      reloadSeconds: config.oidc.keyReloadSeconds,
      configuredCookieKeys: config.secrets.cookieKeys,
      build: (keys) => {
        const provider = createProvider({
          config,
          adapter,
          keys,
          views,
          logger,
          findAccount: accountClaims.findAccount,
          accessTokenClaims: accountClaims.accessTokenClaims,
          policy: createInteractionPolicy({ policies: services.policies }),
        });
        attachProviderEvents(provider, { logger, metrics, audit: services.audit });
        return provider;
      },
    });
    stops.push(() => oidc.stop());
    if (options.jobs ?? true) {
      stops.push(schedulePurge({ db: database.db, clock, logger, intervalSeconds: config.oidc.purgeIntervalSeconds, batchSize: config.oidc.purgeBatchSize, auditRetentionDays: config.audit.retentionDays }));
      stops.push(scheduleCaseJobs({ cases: services.cases, logger, intervalSeconds: config.cases.jobIntervalSeconds }));
    }
    return {
      config,
      logger,
      clock,
      database,
      secrets,
      clients,
      views,
      metrics,
      oidc,
      services,
      authenticators,
      upstreamSettings,
      async close() {
        for (const stop of stops.reverse()) stop();
        if (ownsDatabase) await database.close();
      },
    };
  } catch (err) {
    for (const stop of stops.reverse()) stop();
    if (ownsDatabase) await database.close().catch(() => undefined);
    throw err;
  }
}
