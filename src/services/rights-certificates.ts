// 我的权益单 as a verifiable PDF: issuing one (rate limited per account, audited, stored by the hash
// of its code with the masked name and the digest of what was printed), the short-lived grant that
// lets a download carry amounts after a fresh re-check (password or SMS code), and the /verify check.

import type { Kysely } from 'kysely';
import type { RightsRecord } from '../adapters/rights-record/types.js';
import type { DB } from '../db/schema.js';
import {
  certificateCodeHash,
  certificateValidDays,
  groupCertificateCode,
  newCertificateCode,
  normaliseCertificateCode,
} from '../domain/certificate-codes.js';
import type { Clock } from '../domain/clock.js';
import { formatTime } from '../domain/display-time.js';
import { maskDocument, maskName } from '../domain/masking.js';
import { RateLimitedError } from '../errors/app-error.js';
import { findRightsCertificate, insertRightsCertificate } from '../repositories/rights-certificates.js';
import type { Audit } from './audit.js';
import { hashSecret, verifySecret } from './crypto/index.js';
import type { RateLimiter } from './rate-limiter.js';
import { renderRightsCertificatePdf, rightsPdfFontPath } from './rights-certificate-pdf.js';
import { printoutDigest, rightsPrintout } from './rights-printout.js';

export interface CertificateLimits {
  /** Downloads per account per hour and per day. */
  perHour: number;
  perDay: number;
  /** Checks at /verify per client address per minute. */
  checksPerIpPerMinute: number;
}

export const defaultCertificateLimits: CertificateLimits = { perHour: 10, perDay: 30, checksPerIpPerMinute: 30 };

/** How long after the re-authentication a download may still carry the amounts. */
export const amountsGrantMinutes = 10;

export type CertificateCheck =
  | { state: 'authentic'; issuedOn: string; validUntil: string; maskedName: string; digest: string }
  | { state: 'expired'; expiredAt: string }
  | { state: 'not_found' };

export interface IssueInput {
  accountId: string;
  name: string;
  documentNumber: string;
  record: RightsRecord;
  amounts: boolean;
  ip: string;
  requestId: string;
}

/** The centre session a grant belongs to. */
export interface GrantHolder {
  accountId: string;
  sessionIdHash: string;
}

export interface RightsCertificates {
  /**
   * Renders, stores and audits one certificate; returns the PDF and the code it carries.
   * Throws RateLimitedError('rights.cert.rate_limited') past the account's limits (nothing stored).
   */
  issue(input: IssueInput): Promise<{ pdf: Buffer; code: string }>;
  /** A token the amounts page hands its download form: the citizen re-authenticated (password or SMS code) just now, in this session. */
  amountsGrant(holder: GrantHolder): string;
  /** Whether `token` is an unexpired grant for this session. Never throws. */
  amountsGranted(token: unknown, holder: GrantHolder): boolean;
  /**
   * What /verify says about `code` (anything a client sent). Unknown and malformed codes answer
   * alike. Throws RateLimitedError past the per-address limit.
   */
  check(code: unknown, ip: string): Promise<CertificateCheck>;
}

const dayMs = 86_400_000;
const grantPattern = /^(\d{1,15})\.([0-9a-f]{64})$/;
const dateOf = (date: Date) => formatTime(date).slice(0, 10);

/** Throws at start when the shipped PDF font is missing. */
export function createRightsCertificates(deps: {
  db: Kysely<DB>;
  clock: Clock;
  audit: Audit;
  rateLimiter: RateLimiter;
  issuer: string;
  /** Key of the amounts grant's HMAC. */
  grantKey: Buffer;
  limits?: CertificateLimits;
}): RightsCertificates {
  const { db, clock, audit, rateLimiter } = deps;
  rightsPdfFontPath(); // a broken install fails at start, not on a citizen's download
  const limits = deps.limits ?? defaultCertificateLimits;
  const verifyBase = `${deps.issuer.replace(/\/+$/, '')}/verify/`;
  /** What the grant's HMAC covers: its purpose, the account, the centre session and the expiry. */
  const grantInput = (holder: GrantHolder, expires: string) => `rights-amounts-grant\u0000${holder.accountId}\u0000${holder.sessionIdHash}\u0000${expires}`;

  return {
    async issue(input) {
      const bucket = `rights-cert:acct:${input.accountId}`;
      const decision = await rateLimiter.consume([
        { bucket: `${bucket}:h`, limit: limits.perHour, windowSeconds: 3600 },
        { bucket: `${bucket}:d`, limit: limits.perDay, windowSeconds: 86_400 },
      ]);
      if (!decision.ok) throw new RateLimitedError(decision.retryAfterSeconds, 'rights.cert.rate_limited');

      const issuedAt = clock.now();
      const expiresAt = new Date(issuedAt.getTime() + certificateValidDays * dayMs);
      const maskedName = maskName(input.name);
      const printout = rightsPrintout(input.record, { maskedName, maskedDocument: maskDocument(input.documentNumber), issuedOn: dateOf(issuedAt), amounts: input.amounts });
      const digest = printoutDigest(printout);
      const code = newCertificateCode();
      const printed = groupCertificateCode(code);
      const pdf = await renderRightsCertificatePdf({ printout, code: printed, verifyUrl: `${verifyBase}${printed}`, validUntil: formatTime(expiresAt), digest, issuedAt });
      await insertRightsCertificate(db, { codeHash: certificateCodeHash(code), accountId: input.accountId, issuedAt, expiresAt, maskedName, digest, withAmounts: input.amounts });
      await audit.record({
        event: 'account.rights_certificate_issued',
        outcome: 'success',
        actor: input.accountId,
        subject: input.accountId,
        ip: input.ip,
        requestId: input.requestId,
        details: { amounts: input.amounts, digest, expires_at: expiresAt.toISOString() },
      });
      return { pdf, code: printed };
    },

    amountsGrant(holder) {
      const expires = String(clock.now().getTime() + amountsGrantMinutes * 60_000);
      return `${expires}.${hashSecret(deps.grantKey, grantInput(holder, expires))}`;
    },

    amountsGranted(token, holder) {
      const match = typeof token === 'string' ? grantPattern.exec(token) : null;
      if (!match) return false;
      const expires = match[1] as string;
      return Number(expires) > clock.now().getTime() && verifySecret(deps.grantKey, grantInput(holder, expires), match[2] as string);
    },

    async check(input, ip) {
      const decision = await rateLimiter.hit({ bucket: `verify:ip:${ip}`, limit: limits.checksPerIpPerMinute, windowSeconds: 60 });
      if (!decision.ok) throw new RateLimitedError(decision.retryAfterSeconds);
      const code = normaliseCertificateCode(input);
      const row = code === undefined ? undefined : await findRightsCertificate(db, certificateCodeHash(code));
      if (!row) return { state: 'not_found' };
      if (row.expiresAt.getTime() <= clock.now().getTime()) return { state: 'expired', expiredAt: formatTime(row.expiresAt) };
      return { state: 'authentic', issuedOn: dateOf(row.issuedAt), validUntil: formatTime(row.expiresAt), maskedName: row.maskedName, digest: row.digest };
    },
  };
}
