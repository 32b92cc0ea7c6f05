// What every CLI command runs with: the configuration, a logger on stderr, the migrated database
// and the secrets, opened once and closed when the command ends.

import { loadConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { connectDatabase, type Database } from '../db/connect.js';
import { migrateToLatest } from '../db/migrator.js';
import { systemClock, type Clock } from '../domain/clock.js';
import { createLogger, type Logger } from '../log/logger.js';
import { pino } from 'pino';
import { createSecrets, type Secrets } from '../services/secrets.js';
import type { Services } from '../services/index.js';
import { createServiceLayer } from '../container.js';
import { createClientStore } from '../oidc/client-store.js';
import { createOperations, type Operations } from '../console/operations.js';

export interface CliContext {
  config: Readonly<Config>;
  logger: Logger;
  clock: Clock;
  database: Database;
  secrets: Secrets;
  /** The services the server runs (built on first use), and the operators' actions on top of them. */
  services(): Services;
  operations(): Operations;
  out(line: string): void;
}

export async function withCliContext<T>(fn: (ctx: CliContext) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel, pino.destination(2));
  const database = await connectDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, logger, role: 'cli' });
  try {
    await migrateToLatest(database.db as never, logger);
    const secrets = createSecrets(config, logger);
    const clock = systemClock;
    let services: Services | undefined;
    let operations: Operations | undefined;
    const servicesOf = () => (services ??= createServiceLayer({ config, db: database.db, clock, logger, secrets }).services);
    try {
      return await fn({
        config,
        logger,
        clock,
        database,
        secrets,
        services: servicesOf,
        operations: () =>
          (operations ??= createOperations({
            db: database.db,
            clock,
            audit: servicesOf().audit,
            clients: createClientStore({ db: database.db, box: secrets.cipher, cacheSeconds: 0 }),
            accounts: servicesOf().accounts,
            lockout: servicesOf().lockout,
            sms: servicesOf().smsCodes,
            box: secrets.cipher,
          })),
        out: (line) => process.stdout.write(`${line}\n`),
      });
    } finally {
      await services?.close();
    }
  } finally {
    await database.close();
  }
}
