// The one typed shape of configuration, validated by zod: config/default.json ← config/<NODE_ENV>.json
// ← environment variables (see env-map.ts). Everything else reads the frozen Config this produces.

import { z } from 'zod';
import { parseCidr, parseNetwork } from '../domain/networks.js';
import { signInMethods } from '../domain/sign-in-methods.js';

const positiveInt = z.number().int().positive();
const identityLevel = z.enum(['registered', 'real_name', 'real_person']);

export const configSchema = z.object({
  env: z.enum(['development', 'test', 'production']),
  port: z.number().int().min(0).max(65535),
  issuer: z.url(),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
  /**
   * Load balancers whose X-Forwarded-For/-Proto/-Host count: a hop count (the client is the Nth
   * address from the right of X-Forwarded-For) or their addresses and CIDRs; none (0 or []): the
   * socket address counts and forwarded headers are ignored.
   */
  trustedProxies: z.union([
    z.number().int().min(0).max(16),
    z.array(z.string().refine((entry) => parseNetwork(entry) !== undefined, 'an IP address or CIDR such as 10.20.0.0/16')),
  ]),
  databaseUrl: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL').optional(),
  dataDir: z.string().min(1),
  /** Provider processes on this machine (node:cluster) sharing the port; more than 1 needs PostgreSQL. */
  workers: z.number().int().min(1).max(256),
  /** Production refuses the embedded engine (one machine, one writer) unless this says otherwise explicitly. */
  allowEmbeddedDatabase: z.boolean(),
  db: z.object({ poolMax: positiveInt, connectTimeoutMs: positiveInt, statementTimeoutMs: positiveInt, preparedStatements: z.boolean() }),
  secrets: z.object({
    encryptionKey: z.string().min(1).optional(),
    previousEncryptionKeys: z.array(z.string().min(1)),
    cookieKeys: z.array(z.string().min(32, 'each cookie key needs at least 32 characters')),
  }),
  registrationAccessToken: z.string().min(16).optional(),
  /** Bearer token for GET /metrics (production answers 404 without one). */
  metricsToken: z.string().min(16, 'at least 16 characters').optional(),
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
    /** Registry checks one account may ask for per day through the real-name correction (an oracle: match or not). */
    realNameChecksPerDay: positiveInt,
    piiAlgorithm: z.enum(['A256GCM', 'SM4CTR-HSM3']),
    /** Private networks the provider may call (back-channel logout, jwks_uri); other special-use addresses stay refused. */
    outboundAllowedNetworks: z.array(z.string().refine((cidr) => parseCidr(cidr) !== undefined, 'a CIDR such as 10.20.0.0/16')),
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
  /** The staff console (/console): where it answers (empty: everywhere; else only these networks). */
  staff: z.object({ allowedNetworks: z.array(z.string().refine((entry) => parseNetwork(entry) !== undefined, 'an IP address or CIDR such as 10.20.0.0/16')) }),
  /** 亲情号: bind attempts per binder per 24 hours (each answers registered / bound / registry match). */
  family: z.object({ bindAttemptsPerDay: positiveInt }),
  /**
   * 办件 API: writes per client per minute, cases per client and citizen, the rating webhook's
   * timeout, the delivery job's period, and how many days a delivered webhook outbox row is kept.
   */
  cases: z.object({
    writesPerClientPerMinute: positiveInt,
    casesPerCitizen: positiveInt,
    webhookTimeoutMs: positiveInt,
    jobIntervalSeconds: positiveInt,
    outboxRetentionDays: positiveInt.max(3650, 'at most 3650 days (ten years)'),
  }),
  /** Proof of work on every SMS send: counters a solver tries at most (half on average), and how long a challenge lives. */
  captcha: z.object({ powDifficulty: positiveInt.max(10_000_000), powTtlSeconds: positiveInt }),
  adapters: z.object({
    sms: z.object({
      driver: z.enum(['dev', 'http']),
      url: z.url().optional(),
      apiKey: z.string().optional(),
      timeoutMs: positiveInt,
    }),
    /** 我的权益单: the social-insurance core system (mock outside production; unset in production: "暂时无法查询"). */
    rights: z.object({
      driver: z.enum(['mock', 'http']),
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
    // Upstream sign-in providers and face verification (docs/upstreams.md). A base URL that is empty
    // or relative (`/mock/essc`) is resolved against the issuer when the container is built.
    essc: z.object({
      baseUrl: z.string(),
      channelNo: z.string().min(1),
      secret: z.string().min(1).optional(),
      /** 16-byte channel key as 32 hex characters. */
      key: z.string().regex(/^[0-9a-fA-F]{32}$/, 'must be 32 hex characters').optional(),
      timeoutMs: positiveInt,
      /** The level a normal card asserts. */
      level: identityLevel,
    }),
    jszw: z.object({
      baseUrl: z.string(),
      authorizeUrl: z.string().optional(),
      tokenUrl: z.string().optional(),
      userinfoUrl: z.string().optional(),
      clientId: z.string().min(1),
      clientSecret: z.string().min(1).optional(),
      scope: z.string().min(1),
      timeoutMs: positiveInt,
      /** 实名 / 实人 as asserted → our level. */
      levels: z.object({ real_name: identityLevel, real_person: identityLevel }),
    }),
    alipay: z.object({
      authorizeUrl: z.string(),
      gatewayUrl: z.string(),
      appId: z.string().min(1),
      /** The app's private key (PEM or Alipay's bare base64). */
      privateKey: z.string().min(1).optional(),
      /** Alipay's public key (PEM or bare base64). */
      publicKey: z.string().min(1).optional(),
      timeoutMs: positiveInt,
      /** The level an `is_certified = T` user asserts. */
      certifiedLevel: identityLevel,
    }),
    face: z.object({
      gatewayUrl: z.string(),
      appId: z.string().min(1),
      privateKey: z.string().min(1).optional(),
      publicKey: z.string().min(1).optional(),
      timeoutMs: positiveInt,
    }),
  }),
  /** Which sign-in methods the login page offers, in order. */
  login: z.object({
    methods: z.array(z.enum(signInMethods)).min(1),
    qrTicketSeconds: positiveInt,
    qrPollMs: positiveInt,
  }),
  /** The 江苏智慧人社 app as a native public client of this provider (registered in development). */
  appClient: z.object({
    clientId: z.string().min(1),
    redirectUris: z.array(z.string().min(1)),
    /**
     * Where a phone opens the app with a QR's ticket (the button a phone shows instead of a QR it
     * cannot scan): empty (no button), a path on this server (development: the simulator `/dev/app`),
     * or an absolute deep link (`jsrs://qr`, `https://app.example/qr`). See interaction/app-link.ts.
     */
    linkBase: z.string().max(512).refine((value) => value === '' || /^\/(?!\/)/.test(value) || /^(?!(?:javascript|data|vbscript|file):)[a-z][a-z0-9+.-]*:\S+$/i.test(value), 'empty, a path on this server (/dev/app) or an absolute deep link (scheme:…)'),
  }),
  audit: z.object({ retentionDays: z.number().int().min(180, 'the Cybersecurity Law asks for at least 180 days') }),
  /** The footer every provincial portal carries, the help page's hotline, and where the policy texts live (config/policies.json). */
  site: z.object({
    /** 主办单位 */
    sponsor: z.string().min(1),
    /** 网站标识码 (may be empty until assigned) */
    siteCode: z.string(),
    /** ICP 备案号 (may be empty until assigned) */
    icp: z.string(),
    hotline: z.string().min(1),
    /** 《隐私政策》 and 《个人证件信息处理规则》 with their version: relative to config/ or absolute. */
    policiesFile: z.string().min(1),
  }),
  devClient: z.object({
    clientId: z.string().min(1),
    clientSecret: z.string().min(8),
    redirectUris: z.array(z.url()),
    postLogoutRedirectUris: z.array(z.url()),
  }),
});

export type Config = z.infer<typeof configSchema>;
export type RuntimeEnv = Config['env'];
