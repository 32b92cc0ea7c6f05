// Environments for the configuration unit tests (test/unit/config/*).

/** The fewest settings production starts with: keys, an https issuer, the real SMS and registry adapters, and the load balancers. */
export const minimalProductionEnv: Readonly<Record<string, string>> = {
  NODE_ENV: 'production',
  DATABASE_URL: 'postgres://idp@db.example/idp',
  ENCRYPTION_KEY: 'x'.repeat(43),
  COOKIE_KEYS: 'c'.repeat(40),
  ISSUER: 'https://id.example.gov.cn',
  SMS_DRIVER: 'http',
  SMS_URL: 'https://sms.example/send',
  REGISTRY_DRIVER: 'http',
  REGISTRY_URL: 'https://registry.example/verify',
  REGISTRY_APP_KEY: 'app',
  REGISTRY_APP_SECRET: 'secret',
  TRUSTED_PROXIES: '10.0.0.0/8',
};
