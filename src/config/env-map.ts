// Which environment variable sets which configuration key, and how its text is parsed.

type Parser = (raw: string) => unknown;

const text: Parser = (raw) => raw;
const int: Parser = (raw) => (/^-?\d+$/.test(raw.trim()) ? Number(raw) : raw);
const bool: Parser = (raw) => ['1', 'true', 'yes', 'on'].includes(raw.trim().toLowerCase());
const list: Parser = (raw) =>
  raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/** env var → [dotted config path, parser]; documented in the README's configuration table. */
export const envMap: Record<string, [string, Parser]> = {
  PORT: ['port', int],
  ISSUER: ['issuer', text],
  LOG_LEVEL: ['logLevel', text],
  TRUST_PROXY: ['trustProxy', bool],
  DATABASE_URL: ['databaseUrl', text],
  DATA_DIR: ['dataDir', text],
  DB_POOL_MAX: ['db.poolMax', int],
  ENCRYPTION_KEY: ['secrets.encryptionKey', text],
  ENCRYPTION_KEYS_PREVIOUS: ['secrets.previousEncryptionKeys', list],
  COOKIE_KEYS: ['secrets.cookieKeys', list],
  REGISTRATION_ACCESS_TOKEN: ['registrationAccessToken', text],
  CLIENTS_FILE: ['clientsFile', text],
  KEY_RELOAD_SECONDS: ['oidc.keyReloadSeconds', int],
  BCRYPT_COST: ['security.bcryptCost', int],
  PASSWORD_HASH_POOL_SIZE: ['security.passwordHashPoolSize', int],
  LOCKOUT_MAX_FAILURES: ['security.lockoutMaxFailures', int],
  LOCKOUT_SECONDS: ['security.lockoutSeconds', int],
  PII_ALGORITHM: ['security.piiAlgorithm', text],
  AUDIT_RETENTION_DAYS: ['audit.retentionDays', int],
  SMS_DRIVER: ['adapters.sms.driver', text],
  SMS_URL: ['adapters.sms.url', text],
  SMS_API_KEY: ['adapters.sms.apiKey', text],
  SMS_TIMEOUT_MS: ['adapters.sms.timeoutMs', int],
  SMS_PER_IP_PER_HOUR: ['sms.perIpPerHour', int],
  REGISTRY_DRIVER: ['adapters.registry.driver', text],
  REGISTRY_URL: ['adapters.registry.url', text],
  REGISTRY_APP_KEY: ['adapters.registry.appKey', text],
  REGISTRY_APP_SECRET: ['adapters.registry.appSecret', text],
  REGISTRY_TIMEOUT_MS: ['adapters.registry.timeoutMs', int],
  POSTS_PER_IP_PER_MINUTE: ['rateLimits.postsPerIpPerMinute', int],
};
