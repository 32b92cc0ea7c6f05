// src/services/: the use cases on top of ports and repositories, built by createServices from what the container gives; imports adapters/ (types), repositories/, domain/, errors/, flows/engine, flows/steps, db/, log/, oidc/outbound-fetch, config/ (types); never mocks/, never config to pick an adapter.
// Builds the citizen-facing services on top of the ports and the flow store the composition root
// (src/container.ts, src/ports.ts) gives it. The container calls this once; routes receive the result.

import { availableParallelism } from 'node:os';
import type { Kysely } from 'kysely';
import type { Config } from '../config/schema.js';
import type { DB } from '../db/schema.js';
import type { Clock } from '../domain/clock.js';
import type { Logger } from '../log/logger.js';
import type { PopulationRegistry } from '../adapters/population-registry/types.js';
import type { RightsRecordSource } from '../adapters/rights-record/types.js';
import type { SmsGateway } from '../adapters/sms/types.js';
import type { FlowStore } from '../flows/engine/store.js';
import type { DevSmsGateway } from '../adapters/sms/dev.js';
import type { Ports } from '../ports.js';
import { createAccountService, type AccountService } from './accounts.js';
import { createIdentityAssurance, type IdentityAssurance } from './identity-assurance.js';
import { createAccountRecovery, type AccountRecovery } from './account-recovery.js';
import { createAccountCentre, type AccountCentre } from './account-centre.js';
import { createAccountDeletion, type AccountDeletion } from './account-deletion.js';
import { createFamilyService, type FamilyService } from './family.js';
import { createAudit, type Audit } from './audit.js';
import { createCaptchaService, type CaptchaService } from './captcha.js';
import { createProofOfWork, type ProofOfWork } from './proof-of-work.js';
import { createPasswordHasher, type PasswordHasher } from './crypto/index.js';
import { createLockout, type Lockout } from './lockout.js';
import { createOneTimeCodes } from './one-time-codes.js';
import { createPasswordSignIn, type PasswordSignIn } from './password-sign-in.js';
import { createRateLimiter, type RateLimiter } from './rate-limiter.js';
import type { Secrets } from './secrets.js';
import { createSmsCodeService, type SmsCodeService } from './sms-codes.js';
import type { UpstreamPorts } from '../adapters/upstreams/from-config.js';
import type { FaceVerifier } from '../adapters/face-verification/types.js';
import { createIdentityLevels, type IdentityLevels } from './identity-levels.js';
import { createReauthentication, type Reauthentication } from './reauthentication.js';
import { createQrLoginService, type QrLoginService } from './qr-login.js';
import { createUpstreamLinkService, type UpstreamLinkService } from './upstream-links.js';
import type { UpstreamHealth } from './upstream-health.js';
import { createCaseService, type CaseService } from './cases.js';
import { createRightsCertificates, type RightsCertificates } from './rights-certificates.js';
import { guardedFetch } from '../oidc/outbound-fetch.js';
import { findClientRow } from '../repositories/clients.js';
import { createPolicyAcceptance, type PolicyAcceptance } from './policy-acceptance.js';
import type { Policies } from '../config/policies.js';

export interface Services {
  audit: Audit;
  hasher: PasswordHasher;
  registry: PopulationRegistry;
  sms: SmsGateway;
  /** The development outbox, when the dev gateway is in use. */
  devSms: DevSmsGateway | undefined;
  rateLimiter: RateLimiter;
  captcha: CaptchaService;
  proofOfWork: ProofOfWork;
  smsCodes: SmsCodeService;
  accounts: AccountService;
  lockout: Lockout;
  passwordSignIn: PasswordSignIn;
  /** The one computation of an account's level from the proofs of its current identity. */
  levels: IdentityLevels;
  /** Proving it is you again (password or SMS code) before a sensitive change or disclosure. */
  reauth: Reauthentication;
  flows: FlowStore;
  /** Level upgrades: real-name correction and face verification. */
  assurance: IdentityAssurance;
  /** Password reset, ID takeover, phone reclaim, family unbinding (recovery and appeals). */
  recovery: AccountRecovery;
  /** The user centre (/account): its sessions, phone change, links, favourites, activity. */
  accountCentre: AccountCentre;
  /** 注销账号: a citizen deletes their own account (after re-authentication). */
  accountDeletion: AccountDeletion;
  /** Family numbers (亲情号). */
  family: FamilyService;
  /** The upstream sign-in ports whose settings are complete. */
  upstreams: UpstreamPorts;
  upstreamLinks: UpstreamLinkService;
  qrLogin: QrLoginService;
  /** Recent outcomes of the upstream calls (every failure is also logged). */
  upstreamHealth: UpstreamHealth;
  /** The face verifier the assurance service uses (instrumented), when its keys are set. */
  face: FaceVerifier | undefined;
  /** 我的权益单: the social-insurance core system's personal rights records. */
  rights: RightsRecordSource;
  /** 办件 and 好差评: the cases API, the ratings, their webhook and the SMS invitation. */
  cases: CaseService;
  /** 我的权益单 as a PDF with a verification code, and the public check at /verify/{code}. */
  rightsCertificates: RightsCertificates;
  /** Which version of 《隐私政策》 and 《个人证件信息处理规则》 each citizen agreed to; asking again after a new one. */
  policies: PolicyAcceptance;
  close(): Promise<void>;
}

/** The node's bcrypt threads (PASSWORD_HASH_POOL_SIZE, 0 = one per core) shared out among its WORKERS processes. */
export function hashPoolPerProcess(config: Pick<Config, 'workers' | 'security'>, cores = availableParallelism()): number {
  const perNode = config.security.passwordHashPoolSize > 0 ? config.security.passwordHashPoolSize : cores;
  return Math.max(1, Math.ceil(perNode / config.workers));
}

export function createServices(deps: {
  config: Readonly<Config>;
  db: Kysely<DB>;
  clock: Clock;
  logger: Logger;
  secrets: Secrets;
  ports: Ports;
  flows: FlowStore;
  /** The policy texts in force (config/policies.json or POLICIES_FILE), read once by the composition root: only the version and its changes are used here. */
  policies: Pick<Policies, 'version' | 'changes'>;
}): Services {
  const { config, db, clock, logger, secrets, ports, flows } = deps;
  const { registry, sms, devSms, face, upstreams, upstreamHealth, rights } = ports;
  const keys = secrets.keyring.current.keys;
  const audit = createAudit({ db, clock, logger });
  const hasher = createPasswordHasher({ cost: config.security.bcryptCost, poolSize: hashPoolPerProcess(config) });
  const rateLimiter = createRateLimiter({ db, clock });
  const proofOfWork = createProofOfWork({ clock, key: keys.proofOfWork, difficulty: config.captcha.powDifficulty, ttlSeconds: config.captcha.powTtlSeconds });
  const captcha = createCaptchaService({ db, clock, key: keys.otp, dev: config.env !== 'production', proofOfWork });
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
  const levels = createIdentityLevels(secrets);
  const policies = createPolicyAcceptance({ db, clock, audit, version: deps.policies.version, changes: deps.policies.changes });
  const accounts = createAccountService({ db, secrets, hasher, registry, clock, audit, levels, policyVersion: policies.version });
  const lockout = createLockout({ db, clock, maxFailures: config.security.lockoutMaxFailures, lockSeconds: config.security.lockoutSeconds });
  const passwordSignIn = createPasswordSignIn({ accounts, lockout, blindIndex: secrets.blindIndex, audit });
  const reauth = createReauthentication({ db, accounts, lockout, smsCodes });
  const assurance = createIdentityAssurance({
    db, clock, secrets, registry, accounts, levels, captcha, reauth, rateLimiter, audit,
    face,
    correctionsPerDay: config.security.realNameChecksPerDay,
  });
  const recovery = createAccountRecovery({ db, clock, secrets, accounts, lockout, hasher, audit });
  const upstreamLinks = createUpstreamLinkService({ db, clock, secrets, levels, audit });
  const qrLogin = createQrLoginService({ db, clock, key: keys.otp, issuer: config.issuer, ticketSeconds: config.login.qrTicketSeconds });
  const accountCentre = createAccountCentre({ db, clock, secrets, audit });
  const accountDeletion = createAccountDeletion({ db, audit, reauth });
  const family = createFamilyService({ db, secrets, registry, accounts, clock, audit, rateLimiter, sms, bindAttemptsPerDay: config.family.bindAttemptsPerDay });
  // Outside production the demo service on this machine (loopback) receives its ratings too.
  const outbound = guardedFetch([...config.security.outboundAllowedNetworks, ...(config.env === 'production' ? [] : ['127.0.0.0/8'])]);
  const cases = createCaseService({
    db, clock, audit, logger, rateLimiter, sms, smsLimits: config.sms,
    box: secrets.cipher,
    issuer: config.issuer,
    blindIndex: secrets.blindIndex,
    phoneOf: async (accountId) => (await accounts.getAccount(accountId))?.phoneE164,
    webhookOf: async (clientId) => {
      const row = await findClientRow(db, clientId);
      const uri = row && row.source !== 'registration' ? row.metadata.cases_webhook_uri : undefined;
      return typeof uri === 'string' ? uri : undefined;
    },
    fetch: (url, init) => outbound(url, init),
    limits: config.cases,
  });
  const rightsCertificates = createRightsCertificates({ db, clock, audit, rateLimiter, issuer: config.issuer, grantKey: keys.otp });
  return {
    cases,
    rights,
    rightsCertificates,
    policies,
    accountCentre, accountDeletion, family, assurance, recovery,
    audit, hasher, registry, sms, devSms, rateLimiter, captcha, proofOfWork, smsCodes, accounts, lockout, passwordSignIn, levels, reauth, flows,
    upstreams, upstreamLinks, qrLogin, upstreamHealth, face,
    close: () => hasher.close(),
  };
}
