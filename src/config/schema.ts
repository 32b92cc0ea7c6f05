// The one typed shape of configuration, validated by zod: config/default.json ← config/<NODE_ENV>.json
// ← environment variables (see env-map.ts). Everything else reads the frozen Config this produces.

import { z } from 'zod';

const positiveInt = z.number().int().positive();

export const configSchema = z.object({
  env: z.enum(['development', 'test', 'production']),
  port: z.number().int().min(0).max(65535),
  issuer: z.url(),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
  trustProxy: z.boolean(),
  databaseUrl: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL').optional(),
  dataDir: z.string().min(1),
  db: z.object({ poolMax: positiveInt, connectTimeoutMs: positiveInt, statementTimeoutMs: positiveInt }),
  secrets: z.object({
    encryptionKey: z.string().min(1).optional(),
    previousEncryptionKeys: z.array(z.string().min(1)),
    cookieKeys: z.array(z.string().min(32, 'each cookie key needs at least 32 characters')),
  }),
  registrationAccessToken: z.string().min(16).optional(),
  clientsFile: z.string().optional(),
  oidc: z.object({
    ttl: z.object({
      accessToken: positiveInt,
      authorizationCode: positiveInt,
      idToken: positiveInt,
      interaction: positiveInt,
      session: positiveInt,
      grant: positiveInt,
      refreshToken: positiveInt,
      clientCredentials: positiveInt,
    }),
    clientCacheSeconds: z.number().int().min(0),
    keyReloadSeconds: positiveInt,
    purgeIntervalSeconds: positiveInt,
    purgeBatchSize: positiveInt,
  }),
  security: z.object({
    bcryptCost: z.number().int().min(4).max(15),
    passwordHashPoolSize: z.number().int().min(0),
    lockoutMaxFailures: positiveInt,
    lockoutSeconds: positiveInt,
    piiAlgorithm: z.enum(['A256GCM', 'SM4CTR-HSM3']),
  }),
  sms: z.object({
    codeTtlSeconds: positiveInt,
    maxAttempts: positiveInt,
    perNumberPerMinute: positiveInt,
    perNumberPerHour: positiveInt,
    perNumberPerDay: positiveInt,
    perIpPerHour: positiveInt,
  }),
  rateLimits: z.object({ postsPerIpPerMinute: positiveInt }),
  adapters: z.object({
    sms: z.object({
      driver: z.enum(['dev', 'http']),
      url: z.url().optional(),
      apiKey: z.string().optional(),
      timeoutMs: positiveInt,
    }),
    registry: z.object({
      driver: z.enum(['mock', 'http']),
      url: z.url().optional(),
      appKey: z.string().optional(),
      appSecret: z.string().optional(),
      timeoutMs: positiveInt,
    }),
  }),
  audit: z.object({ retentionDays: positiveInt }),
  devClient: z.object({
    clientId: z.string().min(1),
    clientSecret: z.string().min(8),
    redirectUris: z.array(z.url()),
    postLogoutRedirectUris: z.array(z.url()),
  }),
});

export type Config = z.infer<typeof configSchema>;
export type RuntimeEnv = Config['env'];
