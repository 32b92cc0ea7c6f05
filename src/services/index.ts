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
import type { FaceVerifier } from '../adapters/face-verification/types.js';
import { createAccountService, type AccountService } from './accounts.js';
import { createIdentityAssurance, type IdentityAssurance } from './identity-assurance.js';
import { createAccountRecovery, type AccountRecovery } from './account-recovery.js';
import { createAccountCentre, type AccountCentre } from './account-centre.js';
import { createFamilyService, type FamilyService } from './family.js';
import { createAudit, type Audit } from './audit.js';
import { createCaptchaService, type CaptchaService } from './captcha.js';
import { createPasswordHasher, type PasswordHasher } from './crypto/index.js';
import { createLockout, type Lockout } from './lockout.js';
import { createOneTimeCodes } from './one-time-codes.js';
import { createPasswordSignIn, type PasswordSignIn } from './password-sign-in.js';
import { createRateLimiter, type RateLimiter } from './rate-limiter.js';
import type { Secrets } from './secrets.js';
import { createSmsCodeService, type SmsCodeService } from './sms-codes.js';
import { createUpstreamPorts, resolveUpstreamSettings, type UpstreamPorts, type UpstreamSettings } from '../adapters/upstreams/from-config.js';
import { createQrLoginService, type QrLoginService } from './qr-login.js';
import { createUpstreamLinkService, type UpstreamLinkService } from './upstream-links.js';

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
  /** Level upgrades: real-name correction and face verification. */
  assurance: IdentityAssurance;
  /** Password reset, ID takeover, phone reclaim, family unbinding (recovery and appeals). */
  recovery: AccountRecovery;
  /** The user centre (/account): its sessions, phone change, links, favourites, activity. */
  accountCentre: AccountCentre;
  /** Family numbers (亲情号). */
  family: FamilyService;
  /** Resolved upstream settings (dev keys filled in outside production); the dev mocks use the same. */
  upstreamSettings: UpstreamSettings;
  /** The upstream sign-in ports whose settings are complete. */
  upstreams: UpstreamPorts;
  upstreamLinks: UpstreamLinkService;
  qrLogin: QrLoginService;
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

export function createServices(deps: { config: Readonly<Config>; db: Kysely<DB>; clock: Clock; logger: Logger; secrets: Secrets; face?: FaceVerifier | undefined }): Services {
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
    audit,
  });
  const accounts = createAccountService({ db, secrets, hasher, registry, clock, audit });
  const lockout = createLockout({ db, clock, maxFailures: config.security.lockoutMaxFailures, lockSeconds: config.security.lockoutSeconds });
  const passwordSignIn = createPasswordSignIn({ accounts, lockout, hasher, blindIndex: secrets.blindIndex, audit });
  const flows = createFlowStore({ db, clock, bindingKey: keys.browserBinding });
  const assurance = createIdentityAssurance({ db, clock, secrets, registry, face: deps.face, accounts, audit });
  const recovery = createAccountRecovery({ db, clock, secrets, accounts, lockout, hasher, audit });
  const upstreamSettings = resolveUpstreamSettings(config);
  const upstreams = createUpstreamPorts(upstreamSettings, clock);
  const upstreamLinks = createUpstreamLinkService({ db, clock, secrets, audit });
  const qrLogin = createQrLoginService({ db, clock, key: keys.otp, issuer: config.issuer, ticketSeconds: config.login.qrTicketSeconds });
  const accountCentre = createAccountCentre({ db, clock, secrets, audit });
  const family = createFamilyService({ db, secrets, registry, accounts, clock, audit });
  return {
    accountCentre, family, assurance, recovery,
    audit, hasher, registry, sms, devSms, rateLimiter, captcha, smsCodes, accounts, lockout, passwordSignIn, flows,
    upstreamSettings, upstreams, upstreamLinks, qrLogin,
    close: () => hasher.close(),
  };
}
