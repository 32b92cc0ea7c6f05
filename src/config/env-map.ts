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
  DB_PREPARED_STATEMENTS: ['db.preparedStatements', bool],
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
  OUTBOUND_ALLOWED_NETWORKS: ['security.outboundAllowedNetworks', list],
  AUDIT_RETENTION_DAYS: ['audit.retentionDays', int],
  SMS_DRIVER: ['adapters.sms.driver', text],
  SMS_URL: ['adapters.sms.url', text],
  SMS_API_KEY: ['adapters.sms.apiKey', text],
  SMS_TIMEOUT_MS: ['adapters.sms.timeoutMs', int],
  SMS_PER_IP_PER_HOUR: ['sms.perIpPerHour', int],
  SMS_PER_NUMBER_PER_MINUTE: ['sms.perNumberPerMinute', int],
  REGISTRY_DRIVER: ['adapters.registry.driver', text],
  REGISTRY_URL: ['adapters.registry.url', text],
  REGISTRY_APP_KEY: ['adapters.registry.appKey', text],
  REGISTRY_APP_SECRET: ['adapters.registry.appSecret', text],
  REGISTRY_TIMEOUT_MS: ['adapters.registry.timeoutMs', int],
  POSTS_PER_IP_PER_MINUTE: ['rateLimits.postsPerIpPerMinute', int],
  LOGIN_METHODS: ['login.methods', list],
  QR_TICKET_SECONDS: ['login.qrTicketSeconds', int],
  APP_CLIENT_ID: ['appClient.clientId', text],
  APP_REDIRECT_URIS: ['appClient.redirectUris', list],
  ESSC_BASE_URL: ['adapters.essc.baseUrl', text],
  ESSC_CHANNEL_NO: ['adapters.essc.channelNo', text],
  ESSC_CHANNEL_SECRET: ['adapters.essc.secret', text],
  ESSC_CHANNEL_KEY: ['adapters.essc.key', text],
  ESSC_TIMEOUT_MS: ['adapters.essc.timeoutMs', int],
  ESSC_LEVEL: ['adapters.essc.level', text],
  JSZW_BASE_URL: ['adapters.jszw.baseUrl', text],
  JSZW_AUTHORIZE_URL: ['adapters.jszw.authorizeUrl', text],
  JSZW_TOKEN_URL: ['adapters.jszw.tokenUrl', text],
  JSZW_USERINFO_URL: ['adapters.jszw.userinfoUrl', text],
  JSZW_CLIENT_ID: ['adapters.jszw.clientId', text],
  JSZW_CLIENT_SECRET: ['adapters.jszw.clientSecret', text],
  JSZW_SCOPE: ['adapters.jszw.scope', text],
  JSZW_TIMEOUT_MS: ['adapters.jszw.timeoutMs', int],
  ALIPAY_AUTHORIZE_URL: ['adapters.alipay.authorizeUrl', text],
  ALIPAY_GATEWAY_URL: ['adapters.alipay.gatewayUrl', text],
  ALIPAY_APP_ID: ['adapters.alipay.appId', text],
  ALIPAY_PRIVATE_KEY: ['adapters.alipay.privateKey', text],
  ALIPAY_PUBLIC_KEY: ['adapters.alipay.publicKey', text],
  ALIPAY_TIMEOUT_MS: ['adapters.alipay.timeoutMs', int],
  FACE_GATEWAY_URL: ['adapters.face.gatewayUrl', text],
  FACE_APP_ID: ['adapters.face.appId', text],
  FACE_PRIVATE_KEY: ['adapters.face.privateKey', text],
  FACE_PUBLIC_KEY: ['adapters.face.publicKey', text],
  FACE_TIMEOUT_MS: ['adapters.face.timeoutMs', int],
};
