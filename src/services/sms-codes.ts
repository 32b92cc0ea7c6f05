// SMS verification codes for the sign-in, registration, recovery and settings pages: captcha
// first, then per-number and per-IP rate limits in one consume, then a one-time code and the SMS.

import { maskPhone } from '../domain/masking.js';
import type { Audit } from './audit.js';
import { setTimeout as sleep } from 'node:timers/promises';
import type { SmsGateway, SmsTemplate } from '../adapters/sms/types.js';
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
  ip: string;
  /** False for a number without an account on the login page: same work and answer, no message. */
  deliver: boolean;
}

export interface SmsCodeService {
  /**
   * Throws ValidationError('captcha.invalid', 'captcha') (nothing counted), RateLimitedError(
   * seconds, 'sms.rate_limited') (no code created), or UpstreamError('sms') from the gateway (the
   * code row stays, never delivered, and is voided by the next send or its expiry).
   */
  send(input: SendSmsCodeInput): Promise<{ resendAfterSeconds: number; expiresInSeconds: number }>;
  verify(input: { purpose: SmsTemplate; phoneE164: string; code: string }): Promise<CodeOutcome>;
}

/** The bucket names for a number (any purpose) and for an IP address. */
export function smsBuckets(phoneIndex: string, ip: string) {
  return {
    minute: `sms:phone:${phoneIndex}:m`,
    hour: `sms:phone:${phoneIndex}:h`,
    day: `sms:phone:${phoneIndex}:d`,
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

  return {
    async send(input) {
      if (!(await captcha.verify(input.captchaId, input.captchaAnswer))) {
        throw new ValidationError('captcha.invalid', 'captcha');
      }
      const phoneIndex = blindIndex('phone', input.phoneE164);
      const buckets = smsBuckets(phoneIndex, input.ip);
      const decision = await rateLimiter.consume([
        { bucket: buckets.minute, limit: limits.perNumberPerMinute, windowSeconds: 60 },
        { bucket: buckets.hour, limit: limits.perNumberPerHour, windowSeconds: 3600 },
        { bucket: buckets.day, limit: limits.perNumberPerDay, windowSeconds: 86400 },
        { bucket: buckets.ip, limit: limits.perIpPerHour, windowSeconds: 3600 },
      ]);
      if (!decision.ok) throw new RateLimitedError(decision.retryAfterSeconds, 'sms.rate_limited');

      const { code } = await codes.create(codePurpose(input.purpose), phoneIndex);
      const minutes = Math.ceil(codeTtlSeconds / 60);
      if (input.deliver) {
        const started = performance.now();
        await gateway.send(input.phoneE164, input.purpose, { code, minutes });
        typicalSendMs = typicalSendMs * 0.8 + (performance.now() - started) * 0.2;
      } else if (typicalSendMs >= 1) {
        await sleep(Math.min(MAX_SHADOW_DELAY_MS, typicalSendMs));
      }
      await deps.audit?.record({ event: 'sms.sent', outcome: input.deliver ? 'success' : 'info', ip: input.ip, details: { purpose: input.purpose, phone: maskPhone(input.phoneE164), delivered: input.deliver } });
      return { resendAfterSeconds: RESEND_AFTER_SECONDS, expiresInSeconds: codeTtlSeconds };
    },

    async verify(input) {
      return codes.verify(codePurpose(input.purpose), blindIndex('phone', input.phoneE164), input.code);
    },
  };
}
