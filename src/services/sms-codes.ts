// SMS verification codes for the sign-in, registration, recovery and settings pages: captcha and
// proof of work first, then per-number (per quota group: access or recovery) and per-IP rate
// limits in one consume, then a one-time code and the SMS.

import { maskPhone } from '../domain/masking.js';
import type { Audit } from './audit.js';
import { setTimeout as sleep } from 'node:timers/promises';
import type { SmsGateway, SmsNotice, SmsTemplate } from '../adapters/sms/types.js';
import type { Clock } from '../domain/clock.js';
import { RateLimitedError, ValidationError } from '../errors/app-error.js';
import type { CaptchaService } from './captcha.js';
import type { BlindIndex } from './crypto/index.js';
import type { CodeOutcome, OneTimeCodes } from './one-time-codes.js';
import type { RateLimiter } from './rate-limiter.js';

export interface SmsLimits {
  perNumberPerMinute: number;
  perNumberPerHour: number;
  perNumberPerDay: number;
  perIpPerHour: number;
}

export interface SmsCodeServiceDeps {
  rateLimiter: RateLimiter;
  captcha: CaptchaService;
  codes: OneTimeCodes;
  gateway: SmsGateway;
  blindIndex: BlindIndex;
  clock: Clock;
  limits: SmsLimits;
  /** The TTL the `codes` service was created with: shown in the message and returned to the page. */
  codeTtlSeconds: number;
  /** Records each send (purpose, masked number, delivered or not); never the code. */
  audit?: Audit;
}

export interface SendSmsCodeInput {
  purpose: SmsTemplate;
  phoneE164: string;
  captchaId: string;
  captchaAnswer: string;
  /** The solved proof-of-work payload (the page's hidden `pow` field, the app's `pow_solution`). */
  pow: string;
  ip: string;
  /** False for a number without an account on the login page: same work and answer, no message. */
  deliver: boolean;
  /**
   * Asked only once the captcha and the limits passed: a notice to deliver in place of the code
   * (e.g. to a number that already has an account, on registration). The code is still created and
   * never delivered, so the send and every later verify look exactly as for any other number.
   */
  noticeInstead?: () => Promise<SmsNotice | undefined>;
}

export interface SmsCodeService {
  /**
   * Throws ValidationError('captcha.invalid' or 'pow.missing' | 'pow.invalid' | 'pow.expired' |
   * 'pow.replayed', 'captcha') (nothing counted; both captcha and proof are used up), RateLimitedError(
   * seconds, 'sms.rate_limited') (no code created), or UpstreamError('sms') from the gateway (the
   * code row stays, never delivered, and is voided by the next send or its expiry).
   */
  send(input: SendSmsCodeInput): Promise<{ resendAfterSeconds: number; expiresInSeconds: number }>;
  /**
   * A code sent at a signed-in staff member's request (the console's 客服 password reset): no
   * captcha or proof of work, the number's own limits as for any send, and the staff member's
   * hourly bucket (`actorKey`) in place of the per-IP one. Throws RateLimitedError or UpstreamError.
   */
  sendForStaff(input: { purpose: SmsTemplate; phoneE164: string; actorKey: string; actorPerHour: number }): Promise<{ expiresInSeconds: number }>;
  verify(input: { purpose: SmsTemplate; phoneE164: string; code: string }): Promise<CodeOutcome>;
}

/**
 * Which per-number quota a purpose draws on. Codes that give an account back (忘记密码, 申诉) have
 * their own, so a stranger asking for sign-in or registration codes to a number cannot use up its
 * owner's recovery codes for the day, and the other way round.
 */
export const smsQuotaGroups = {
  login: 'access',
  register: 'access',
  bind_phone: 'access',
  change_phone: 'access',
  reveal: 'access',
  reauth: 'access',
  rights: 'access',
  recover: 'recovery',
  appeal: 'recovery',
  desk_reset: 'recovery',
} as const satisfies Record<SmsTemplate, string>;
export type SmsQuotaGroup = (typeof smsQuotaGroups)[SmsTemplate];

/** The bucket names for a number within a quota group, and for an IP address (all purposes). */
export function smsBuckets(phoneIndex: string, ip: string, group: SmsQuotaGroup) {
  return {
    minute: `sms:phone:${phoneIndex}:${group}:m`,
    hour: `sms:phone:${phoneIndex}:${group}:h`,
    day: `sms:phone:${phoneIndex}:${group}:d`,
    ip: `sms:ip:${ip}:h`,
  } as const;
}

const RESEND_AFTER_SECONDS = 60;
/** Longest pause added to an undelivered send so it takes about as long as a delivered one. */
const MAX_SHADOW_DELAY_MS = 3000;

export function createSmsCodeService(deps: SmsCodeServiceDeps): SmsCodeService {
  const { rateLimiter, captcha, codes, gateway, blindIndex, limits, codeTtlSeconds } = deps;
  // Moving average of the gateway's latency on this node; undelivered sends wait about as long.
  let typicalSendMs = 0;
  const codePurpose = (purpose: SmsTemplate) => `sms:${purpose}`;

  /** After the caller's own checks: the number's limits and `requesterBucket` in one consume, a code, the SMS, the audit record. */
  const issue = async (input: Pick<SendSmsCodeInput, 'purpose' | 'phoneE164' | 'deliver' | 'noticeInstead'> & { ip?: string }, requesterBucket: { bucket: string; limit: number; windowSeconds: number }) => {
    const phoneIndex = blindIndex('phone', input.phoneE164);
    const buckets = smsBuckets(phoneIndex, input.ip ?? '', smsQuotaGroups[input.purpose]);
    const decision = await rateLimiter.consume([
      { bucket: buckets.minute, limit: limits.perNumberPerMinute, windowSeconds: 60 },
      { bucket: buckets.hour, limit: limits.perNumberPerHour, windowSeconds: 3600 },
      { bucket: buckets.day, limit: limits.perNumberPerDay, windowSeconds: 86400 },
      requesterBucket,
    ]);
    if (!decision.ok) throw new RateLimitedError(decision.retryAfterSeconds, 'sms.rate_limited');

    const { code } = await codes.create(codePurpose(input.purpose), phoneIndex);
    const minutes = Math.ceil(codeTtlSeconds / 60);
    const notice = input.deliver && input.noticeInstead ? await input.noticeInstead() : undefined;
    if (input.deliver) {
      const started = performance.now();
      if (notice) await gateway.notify(input.phoneE164, notice);
      else await gateway.send(input.phoneE164, input.purpose, { code, minutes });
      typicalSendMs = typicalSendMs * 0.8 + (performance.now() - started) * 0.2;
    } else if (typicalSendMs >= 1) {
      await sleep(Math.min(MAX_SHADOW_DELAY_MS, typicalSendMs));
    }
    await deps.audit?.record({ event: 'sms.sent', outcome: input.deliver ? 'success' : 'info', ip: input.ip, details: { purpose: input.purpose, phone: maskPhone(input.phoneE164), delivered: input.deliver, ...(notice ? { notice } : {}) } });
    return { resendAfterSeconds: RESEND_AFTER_SECONDS, expiresInSeconds: codeTtlSeconds };
  };

  return {
    async send(input) {
      // Both are spent on every attempt (one statement), so a wrong captcha guess costs a fresh proof of work too.
      const { answered, work } = await captcha.verifyWithWork(input.captchaId, input.captchaAnswer, input.pow);
      if (!answered) throw new ValidationError('captcha.invalid', 'captcha');
      if (work !== 'ok') throw new ValidationError(`pow.${work}`, 'captcha');
      const ipBucket = { bucket: smsBuckets('', input.ip, smsQuotaGroups[input.purpose]).ip, limit: limits.perIpPerHour, windowSeconds: 3600 };
      return issue(input, ipBucket);
    },

    async sendForStaff(input) {
      const { expiresInSeconds } = await issue({ ...input, deliver: true }, { bucket: `sms:staff:${input.actorKey}:h`, limit: input.actorPerHour, windowSeconds: 3600 });
      return { expiresInSeconds };
    },

    async verify(input) {
      return codes.verify(codePurpose(input.purpose), blindIndex('phone', input.phoneE164), input.code);
    },
  };
}
