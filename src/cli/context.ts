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

export interface CliContext {
  config: Readonly<Config>;
  logger: Logger;
  clock: Clock;
  database: Database;
  secrets: Secrets;
  out(line: string): void;
}

export async function withCliContext<T>(fn: (ctx: CliContext) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel, pino.destination(2));
  const database = await connectDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, logger });
  try {
    await migrateToLatest(database.db as never, logger);
    const secrets = createSecrets(config, logger);
    return await fn({ config, logger, clock: systemClock, database, secrets, out: (line) => process.stdout.write(`${line}\n`) });
  } finally {
    await database.close();
  }
}
