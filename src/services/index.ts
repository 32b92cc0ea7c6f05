// Builds the citizen-facing services from configuration: ports (registry, SMS) chosen by config,
// and the services on top of them. The container calls this once; routes receive the result.

import type { Kysely } from 'kysely';
import type { Config } from '../config/schema.js';
import type { DB } from '../db/schema.js';
import type { Clock } from '../domain/clock.js';
import type { Logger } from '../log/logger.js';
import { createHttpPopulationRegistry } from '../adapters/population-registry/http.js';
import { createMockPopulationRegistry } from '../adapters/population-registry/mock.js';
import type { PopulationRegistry } from '../adapters/population-registry/types.js';
import { createDevSmsGateway, type DevSmsGateway } from '../adapters/sms/dev.js';
import { createHttpSmsGateway } from '../adapters/sms/http.js';
import type { SmsGateway } from '../adapters/sms/types.js';
import { loadPopulationRegistry } from '../mocks/fixtures.js';
import { createFlowStore, type FlowStore } from '../flows/engine/store.js';
import { createAccountService, type AccountService } from './accounts.js';
import { createAudit, type Audit } from './audit.js';
import { createCaptchaService, type CaptchaService } from './captcha.js';
import { createPasswordHasher, type PasswordHasher } from './crypto/index.js';
import { createLockout, type Lockout } from './lockout.js';
import { createOneTimeCodes } from './one-time-codes.js';
import { createPasswordSignIn, type PasswordSignIn } from './password-sign-in.js';
import { createRateLimiter, type RateLimiter } from './rate-limiter.js';
import type { Secrets } from './secrets.js';
import { createSmsCodeService, type SmsCodeService } from './sms-codes.js';

export interface Services {
  audit: Audit;
  hasher: PasswordHasher;
  registry: PopulationRegistry;
  sms: SmsGateway;
  /** The development outbox, when the dev gateway is in use. */
  devSms: DevSmsGateway | undefined;
  rateLimiter: RateLimiter;
  captcha: CaptchaService;
  smsCodes: SmsCodeService;
  accounts: AccountService;
  lockout: Lockout;
  passwordSignIn: PasswordSignIn;
  flows: FlowStore;
  close(): Promise<void>;
}

function buildRegistry(config: Readonly<Config>): PopulationRegistry {
  const settings = config.adapters.registry;
  if (settings.driver === 'http') {
    if (!settings.url || !settings.appKey || !settings.appSecret) throw new Error('REGISTRY_URL, REGISTRY_APP_KEY and REGISTRY_APP_SECRET are required for the http registry');
    return createHttpPopulationRegistry({ url: settings.url, appKey: settings.appKey, appSecret: settings.appSecret, timeoutMs: settings.timeoutMs });
  }
  if (config.env === 'production') throw new Error('the mock population registry is refused in production');
  return createMockPopulationRegistry({ people: loadPopulationRegistry() });
}

function buildSms(config: Readonly<Config>): { sms: SmsGateway; devSms: DevSmsGateway | undefined } {
  const settings = config.adapters.sms;
  if (settings.driver === 'http') {
    if (!settings.url) throw new Error('SMS_URL is required for the http SMS gateway');
    return { sms: createHttpSmsGateway({ url: settings.url, apiKey: settings.apiKey ?? '', timeoutMs: settings.timeoutMs }), devSms: undefined };
  }
  if (config.env === 'production') throw new Error('the development SMS gateway is refused in production');
  const devSms = createDevSmsGateway();
  return { sms: devSms, devSms };
}

export function createServices(deps: { config: Readonly<Config>; db: Kysely<DB>; clock: Clock; logger: Logger; secrets: Secrets }): Services {
  const { config, db, clock, logger, secrets } = deps;
  const keys = secrets.keyring.current.keys;
  const audit = createAudit({ db, clock, logger });
  const hasher = createPasswordHasher({
    cost: config.security.bcryptCost,
    ...(config.security.passwordHashPoolSize > 0 ? { poolSize: config.security.passwordHashPoolSize } : {}),
  });
  const registry = buildRegistry(config);
  const { sms, devSms } = buildSms(config);
  const rateLimiter = createRateLimiter({ db, clock });
  const captcha = createCaptchaService({ db, clock, key: keys.otp, dev: config.env !== 'production' });
  const codes = createOneTimeCodes({ db, clock, key: keys.otp, ttlSeconds: config.sms.codeTtlSeconds, maxAttempts: config.sms.maxAttempts });
  const smsCodes = createSmsCodeService({
    rateLimiter,
    captcha,
    codes,
    gateway: sms,
    blindIndex: secrets.blindIndex,
    clock,
    limits: config.sms,
    codeTtlSeconds: config.sms.codeTtlSeconds,
  });
  const accounts = createAccountService({ db, secrets, hasher, registry, clock, audit });
  const lockout = createLockout({ db, clock, maxFailures: config.security.lockoutMaxFailures, lockSeconds: config.security.lockoutSeconds });
  const passwordSignIn = createPasswordSignIn({ accounts, lockout, hasher, blindIndex: secrets.blindIndex, audit });
  const flows = createFlowStore({ db, clock, bindingKey: keys.browserBinding });
  return {
    audit, hasher, registry, sms, devSms, rateLimiter, captcha, smsCodes, accounts, lockout, passwordSignIn, flows,
    close: () => hasher.close(),
  };
}
