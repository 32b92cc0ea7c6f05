// Composition root: builds every long-lived part (database, secrets, stores, provider runtime,
// jobs) from one Config, in order, and tears them down in reverse. No singletons elsewhere.

import type { Config } from './config/schema.js';
import { createFaceVerifierFromSettings } from './adapters/face-verification/from-settings.js';
import { resolveUpstreamSettings, type UpstreamSettings } from './adapters/upstreams/from-config.js';
import { connectDatabase, type Database } from './db/connect.js';
import { migrateToLatest } from './db/migrator.js';
import { systemClock, type Clock } from './domain/clock.js';
import { createMetrics, type Metrics } from './http/metrics.js';
import { createViews, type Views } from './http/views.js';
import { schedulePurge } from './jobs/purge-expired.js';
import { createLogger, type Logger } from './log/logger.js';
import { createAccountClaims } from './oidc/account-claims.js';
import { createAdapterFactory } from './oidc/adapter.js';
import { createClientStore, type ClientStore } from './oidc/client-store.js';
import { syncConfiguredClients } from './oidc/clients-file.js';
import { attachProviderEvents } from './oidc/events.js';
import { ensureKeys } from './oidc/keys.js';
import { createInteractionPolicy } from './oidc/policy.js';
import { createProvider } from './oidc/provider.js';
import { createOidcRuntime, type OidcRuntime } from './oidc/runtime.js';
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
}

export async function createContainer(options: ContainerOptions): Promise<Container> {
  const { config } = options;
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
  const stops: Array<() => void> = [];
  try {
    await migrateToLatest(database.db as never, logger);
    const secrets = createSecrets(config, logger);
    const clients = createClientStore({ db: database.db, box: secrets.cipher, cacheSeconds: config.oidc.clientCacheSeconds });
    await ensureKeys(database.db, secrets.cipher, clock);
    await syncConfiguredClients(config, clients, logger);
    const views = createViews({ watch: config.env === 'development' });
    const metrics = createMetrics({ defaultMetrics: config.env !== 'test', dbStats: database.stats });
    const upstreamSettings = resolveUpstreamSettings(config);
    const services = createServices({ config, db: database.db, clock, logger, secrets, face: createFaceVerifierFromSettings(upstreamSettings.face, clock) });
    stops.push(() => void services.close());
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
          policy: createInteractionPolicy(),
        });
        attachProviderEvents(provider, { logger, metrics, audit: services.audit });
        return provider;
      },
    });
    stops.push(() => oidc.stop());
    if (options.jobs ?? true) {
      stops.push(schedulePurge({ db: database.db, clock, logger, intervalSeconds: config.oidc.purgeIntervalSeconds, batchSize: config.oidc.purgeBatchSize, auditRetentionDays: config.audit.retentionDays }));
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
