// 办件 and 好差评: what relying parties report about a citizen's cases (checked, limited, audited,
// one timeline entry per status change), the citizen's one rating per completed case, its signed
// delivery to the service's webhook (outbox, retried with backoff), 整改反馈, and the SMS invitation.

import { randomUUID } from 'node:crypto';
import { importJWK, SignJWT, type JWK } from 'jose';
import type { Kysely } from 'kysely';
import type { SmsGateway } from '../adapters/sms/types.js';
import type { DB } from '../db/schema.js';
import type { Clock } from '../domain/clock.js';
import {
  addWorkingDays,
  finalStatuses,
  invitationAfterDays,
  isBadRating,
  isCaseStatus,
  isRatingLevel,
  maxRatingCommentLength,
  maxRectificationLength,
  ratingIndicators,
  rectificationWorkingDays,
  transitionAllowed,
  type CaseStatus,
  type RatingLevel,
} from '../domain/cases.js';
import { AppError, ValidationError } from '../errors/app-error.js';
import type { Logger } from '../log/logger.js';
import { loadKeyMaterial } from '../oidc/keys.js';
import type { SecretBox } from '../oidc/secret-box.js';
import { keySetFingerprint } from '../repositories/signing-keys.js';
import * as repo from '../repositories/cases.js';
import type { CaseCategory, CaseEventRow, CaseRow, RatingRow } from '../repositories/cases.js';
import type { Audit } from './audit.js';
import type { BlindIndex } from './crypto/index.js';
import type { RateLimiter } from './rate-limiter.js';
import { smsBuckets, type SmsLimits } from './sms-codes.js';

export type { CaseCategory };

/** A client allowed to write cases, as the API authenticated it. */
export interface CaseClient {
  clientId: string;
  /** Origins of its registered redirect URIs: where a case's detail_url may point. */
  redirectOrigins: string[];
}

/** An API failure: HTTP status, a stable `error` code and an English description (JSON). */
export class CaseApiError extends Error {
  constructor(readonly status: number, readonly error: string, readonly description: string, readonly retryAfterSeconds?: number) {
    super(description);
    this.name = 'CaseApiError';
  }
}

export const caseFieldLimits = { caseNo: 64, sub: 128, service: 100, department: 100, statusNote: 500, detailUrl: 2000 } as const;
const caseNoPattern = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
/** How far ahead of our clock a service's timestamp may be. */
const futureLeewayMs = 5 * 60_000;
const earliest = Date.UTC(2000, 0, 1);

export function isCaseNumber(value: string): boolean {
  return caseNoPattern.test(value);
}

export interface CaseView {
  case_no: string;
  sub: string;
  service: string;
  department: string;
  status: CaseStatus;
  status_note: string | null;
  detail_url: string | null;
  submitted_at: string;
  status_at: string;
  completed_at: string | null;
  timeline: Array<{ status: CaseStatus; note: string | null; at: string }>;
  rating: RatingView | null;
}

export interface RatingView {
  case_no: string;
  sub: string;
  level: RatingLevel;
  indicators: Record<string, number>;
  comment: string | null;
  rated_at: string;
  rectification_due_at: string | null;
  rectification: string | null;
  rectified_at: string | null;
  cursor: string;
}

export interface RatingInput {
  level: string;
  indicators: Record<string, string>;
  comment: string;
}

export interface CitizenCase extends CaseRow {
  timeline: CaseEventRow[];
  rating: RatingRow | undefined;
  /** 待评价: completed and not yet rated. */
  ratingDue: boolean;
}

export interface CaseService {
  /** Counts one API call of the client; throws CaseApiError 429 beyond the per-minute limit. */
  limitClient(clientId: string): Promise<void>;
  /** PUT /api/cases/{case_no}: creates (201) or updates (200) the client's case; throws CaseApiError, storing nothing. */
  put(client: CaseClient, caseNo: string, body: Record<string, unknown>, context: { ip?: string; requestId?: string }): Promise<{ created: boolean; view: CaseView }>;
  get(clientId: string, caseNo: string): Promise<CaseView | undefined>;
  ratingsSince(clientId: string, since: string, limit: number): Promise<{ ratings: RatingView[]; next: string }>;
  /** The service's 整改反馈 on a bad rating; throws CaseApiError. */
  rectify(clientId: string, caseNo: string, text: unknown, context: { ip?: string; requestId?: string }): Promise<CaseView>;
  summary(accountId: string, latest: number): Promise<Record<CaseCategory, { count: number; latest: Array<CaseRow & { rated: boolean }> }>>;
  list(accountId: string, category: CaseCategory, limit: number, offset: number): Promise<{ items: Array<CaseRow & { rated: boolean }>; total: number }>;
  detail(accountId: string, caseId: string): Promise<CitizenCase | undefined>;
  /** The citizen's rating (一事一评); throws ValidationError / AppError with i18n codes. */
  rate(accountId: string, caseId: string, input: RatingInput, context: { ip?: string; requestId?: string }): Promise<void>;
  /** Sends the due webhook deliveries once; returns how many were acknowledged. */
  deliverDue(): Promise<number>;
  /** Sends the due SMS invitations once; returns how many went out. */
  sendInvitations(): Promise<number>;
  /** Deletes up to `limit` outbox rows delivered more than `outboxRetentionDays` ago (never an undelivered one); returns how many went. */
  purgeDelivered(limit: number): Promise<number>;
  overdueRectifications(limit?: number): Promise<repo.OverdueRectification[]>;
}

export interface CaseServiceDeps {
  db: Kysely<DB>;
  clock: Clock;
  audit: Audit;
  logger: Logger;
  rateLimiter: RateLimiter;
  box: SecretBox;
  issuer: string;
  sms: SmsGateway;
  blindIndex: BlindIndex;
  smsLimits: SmsLimits;
  /** The phone of an account (for the invitation), or undefined. */
  phoneOf: (accountId: string) => Promise<string | undefined>;
  /** A client's webhook (cases_webhook_uri), or undefined when it has none. */
  webhookOf: (clientId: string) => Promise<string | undefined>;
  fetch: (url: string, init: RequestInit) => Promise<Response>;
  /** `outboxRetentionDays`: how long a delivered webhook outbox row is kept. */
  limits: { writesPerClientPerMinute: number; casesPerCitizen: number; webhookTimeoutMs: number; outboxRetentionDays: number };
}

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);

export function ratingView(rating: RatingRow, caseNo: string, sub: string): RatingView {
  return {
    case_no: caseNo,
    sub,
    level: rating.level as RatingLevel,
    indicators: rating.indicators,
    comment: rating.comment,
    rated_at: rating.ratedAt.toISOString(),
    rectification_due_at: iso(rating.rectificationDueAt),
    rectification: rating.rectification,
    rectified_at: iso(rating.rectifiedAt),
    cursor: rating.seq,
  };
}

/** The event type in a rating's Security Event Token (RFC 8417). */
export const caseRatedEvent = 'urn:jsrs:event:case_rated';

export function createCaseService(deps: CaseServiceDeps): CaseService {
  const { db, clock, audit, rateLimiter, limits } = deps;

  const bad = (description: string) => new CaseApiError(400, 'invalid_request', description);

  const text = (body: Record<string, unknown>, name: string, max: number, required: boolean): string | null => {
    const value = body[name];
    if (value === undefined || value === null || value === '') {
      if (required) throw bad(`${name} is required`);
      return null;
    }
    if (typeof value !== 'string') throw bad(`${name} must be a string`);
    const trimmed = value.trim();
    if (Array.from(trimmed).length > max) throw new CaseApiError(400, 'invalid_request', `${name} is longer than ${max} characters`);
    if (required && trimmed === '') throw bad(`${name} is required`);
    // eslint-disable-next-line no-control-regex
    if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(trimmed)) throw bad(`${name} contains control characters`);
    return trimmed;
  };

  const time = (body: Record<string, unknown>, name: string): Date | undefined => {
    const value = body[name];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/.test(value)) {
      throw bad(`${name} must be an RFC 3339 date-time with a time zone`);
    }
    const at = new Date(value);
    if (Number.isNaN(at.getTime()) || at.getTime() < earliest || at.getTime() > clock.now().getTime() + futureLeewayMs) {
      throw bad(`${name} is out of range`);
    }
    return at;
  };

  const detailUrl = (client: CaseClient, value: string | null): string | null => {
    if (value === null) return null;
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw bad('detail_url must be an absolute URL');
    }
    if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.username || url.password || !client.redirectOrigins.includes(url.origin)) {
      throw new CaseApiError(422, 'foreign_detail_url', 'detail_url must be on the origin of one of the client\'s registered redirect URIs');
    }
    return url.href;
  };

  const viewOf = async (row: CaseRow): Promise<CaseView> => {
    const [timeline, rating] = await Promise.all([repo.listCaseEvents(db, row.id), repo.findRating(db, row.id)]);
    return {
      case_no: row.caseNo,
      sub: row.accountId,
      service: row.service,
      department: row.department,
      status: row.status,
      status_note: row.statusNote,
      detail_url: row.detailUrl,
      submitted_at: row.submittedAt.toISOString(),
      status_at: row.statusAt.toISOString(),
      completed_at: iso(row.completedAt),
      timeline: timeline.map((e) => ({ status: e.status, note: e.note, at: e.occurredAt.toISOString() })),
      rating: rating ? ratingView(rating, row.caseNo, row.accountId) : null,
    };
  };

  // ---- webhook delivery --------------------------------------------------------------------
  let signer: { fingerprint: string; key: Awaited<ReturnType<typeof importJWK>>; kid: string | undefined } | undefined;
  const signingKey = async () => {
    const fingerprint = await keySetFingerprint(db);
    if (signer?.fingerprint !== fingerprint) {
      const material = await loadKeyMaterial(db, deps.box, clock);
      // Active keys come first; the provider signs ID tokens with the first RS256 key as well.
      const jwk = material.jwks.find((k) => k.alg === 'RS256') as JWK | undefined;
      if (!jwk) throw new Error('no RS256 signing key');
      signer = { fingerprint, key: await importJWK(jwk, 'RS256'), kid: jwk.kid };
    }
    return signer;
  };

  const ratingToken = async (row: CaseRow, rating: RatingRow): Promise<string> => {
    const { key, kid } = await signingKey();
    const view = ratingView(rating, row.caseNo, row.accountId);
    return new SignJWT({
      events: {
        [caseRatedEvent]: {
          case_no: view.case_no,
          service: row.service,
          level: view.level,
          indicators: view.indicators,
          comment: view.comment,
          rated_at: view.rated_at,
          rectification_due_at: view.rectification_due_at,
        },
      },
    })
      .setProtectedHeader({ alg: 'RS256', typ: 'secevent+jwt', ...(kid ? { kid } : {}) })
      .setIssuer(deps.issuer)
      .setAudience(row.clientId)
      .setSubject(row.accountId)
      .setIssuedAt(Math.floor(clock.now().getTime() / 1000))
      .setJti(`${row.id}.rating`)
      .sign(key);
  };

  const backoffMs = (attempts: number) => Math.min(30_000 * 2 ** Math.min(attempts, 20), 6 * 3600_000);

  const deliverDue = async (): Promise<number> => {
    const now = clock.now();
    const entries = await repo.claimDueOutbox(db, now, new Date(now.getTime() + 5 * 60_000), 20);
    let delivered = 0;
    for (const entry of entries) {
      let failure: string | undefined;
      try {
        const row = await repo.findCaseById(db, entry.caseId);
        const rating = row ? await repo.findRating(db, row.id) : undefined;
        const uri = await deps.webhookOf(entry.clientId);
        if (!row || !rating) {
          await repo.markOutboxDelivered(db, entry.id, clock.now()); // nothing left to tell
          continue;
        }
        if (!uri) {
          failure = 'no cases_webhook_uri';
        } else {
          const res = await deps.fetch(uri, {
            method: 'POST',
            headers: { 'content-type': 'application/secevent+jwt', accept: 'application/json' },
            body: await ratingToken(row, rating),
            redirect: 'manual',
            signal: AbortSignal.timeout(limits.webhookTimeoutMs),
          });
          await res.body?.cancel().catch(() => undefined);
          if (res.status < 200 || res.status > 299) failure = `HTTP ${res.status}`;
        }
      } catch (err) {
        failure = (err as Error).name === 'TimeoutError' ? 'timeout' : 'unreachable';
      }
      if (failure) {
        await repo.markOutboxFailed(db, entry.id, new Date(clock.now().getTime() + backoffMs(entry.attempts)), failure);
        deps.logger.info({ clientId: entry.clientId, attempts: entry.attempts + 1, failure }, 'case rating webhook not acknowledged');
      } else {
        await repo.markOutboxDelivered(db, entry.id, clock.now());
        delivered += 1;
      }
    }
    return delivered;
  };

  return {
    async limitClient(clientId) {
      const limited = await rateLimiter.hit({ bucket: `cases:client:${clientId}:m`, limit: limits.writesPerClientPerMinute, windowSeconds: 60 });
      if (!limited.ok) throw new CaseApiError(429, 'rate_limited', 'too many calls of the cases API; retry later', limited.retryAfterSeconds);
    },

    async put(client, caseNo, body, context) {
      if (!isCaseNumber(caseNo)) throw bad('case_no must be 1–64 letters, digits, dots, hyphens or underscores');
      // Every field is checked before anything is counted or stored.
      const sub = text(body, 'sub', caseFieldLimits.sub, true) as string;
      const service = text(body, 'service', caseFieldLimits.service, true) as string;
      const department = text(body, 'department', caseFieldLimits.department, true) as string;
      const status = body.status;
      if (!isCaseStatus(status)) throw bad('status must be one of accepted, in_progress, completed, rejected, withdrawn');
      const statusNote = text(body, 'status_note', caseFieldLimits.statusNote, false);
      const url = detailUrl(client, text(body, 'detail_url', caseFieldLimits.detailUrl, false));
      const submittedAt = time(body, 'submitted_at');
      const statusAt = time(body, 'status_at');

      if (!(await repo.accountIsActive(db, sub))) throw new CaseApiError(422, 'unknown_sub', 'sub is not a subject known to this provider');

      const now = clock.now();
      const result = await db.transaction().execute(async (trx) => {
        const existing = await repo.findCaseByNumber(trx, client.clientId, caseNo, true);
        if (!existing) {
          if ((await repo.countCasesOfCitizen(trx, client.clientId, sub)) >= limits.casesPerCitizen) {
            throw new CaseApiError(429, 'too_many_cases', `this client already holds ${limits.casesPerCitizen} cases for this citizen`);
          }
          const at = statusAt ?? now;
          const row = {
            id: randomUUID(), clientId: client.clientId, caseNo, accountId: sub, service, department, status, statusNote, detailUrl: url,
            submittedAt: submittedAt ?? at, statusAt: at, completedAt: status === 'completed' ? at : null,
          };
          if (!(await repo.insertCaseIfNew(trx, row, now))) throw new CaseApiError(409, 'conflict', 'the case was written concurrently; retry');
          await repo.insertCaseEvent(trx, row.id, { status, note: statusNote, occurredAt: at }, now);
          return { created: true, changed: true, id: row.id, from: undefined as CaseStatus | undefined };
        }
        if (existing.accountId !== sub) throw new CaseApiError(409, 'case_conflict', 'this case number belongs to another subject');
        if (!transitionAllowed(existing.status, status)) {
          throw new CaseApiError(409, 'invalid_transition', `a case that is ${existing.status} cannot become ${status}`);
        }
        const changed = existing.status !== status;
        if (finalStatuses.has(existing.status) && !changed) return { created: false, changed: false, id: existing.id, from: existing.status };
        const at = changed ? (statusAt ?? now) : existing.statusAt;
        await repo.updateCase(trx, existing.id, {
          service, department, status, statusNote, detailUrl: url, statusAt: at,
          completedAt: status === 'completed' ? (existing.completedAt ?? at) : null,
        }, now);
        if (changed) await repo.insertCaseEvent(trx, existing.id, { status, note: statusNote, occurredAt: at }, now);
        return { created: false, changed, id: existing.id, from: existing.status };
      });
      await audit.record({
        event: 'case.written', outcome: 'success', subject: sub, actor: client.clientId, clientId: client.clientId,
        ...(context.ip ? { ip: context.ip } : {}), ...(context.requestId ? { requestId: context.requestId } : {}),
        details: { case_no: caseNo, status, created: result.created, ...(result.from && result.changed ? { from: result.from } : {}) },
      });
      const row = await repo.findCaseById(db, result.id);
      return { created: result.created, view: await viewOf(row as CaseRow) };
    },

    async get(clientId, caseNo) {
      if (!isCaseNumber(caseNo)) return undefined;
      const row = await repo.findCaseByNumber(db, clientId, caseNo);
      return row ? viewOf(row) : undefined;
    },

    async ratingsSince(clientId, since, limit) {
      const rows = await repo.listRatingsSince(db, clientId, since, limit);
      return { ratings: rows.map((r) => ratingView(r, r.caseNo, r.accountId)), next: rows.length > 0 ? (rows[rows.length - 1] as RatingRow).seq : since };
    },

    async rectify(clientId, caseNo, value, context) {
      if (typeof value !== 'string' || value.trim() === '') throw bad('rectification is required');
      const reply = value.trim();
      if (Array.from(reply).length > maxRectificationLength) throw bad(`rectification is longer than ${maxRectificationLength} characters`);
      const row = isCaseNumber(caseNo) ? await repo.findCaseByNumber(db, clientId, caseNo) : undefined;
      if (!row) throw new CaseApiError(404, 'not_found', 'no such case for this client');
      if (!(await repo.setRectification(db, row.id, reply, clock.now()))) {
        throw new CaseApiError(409, 'no_rectification_due', 'this case has no bad rating awaiting a rectification reply');
      }
      await audit.record({
        event: 'case.rectified', outcome: 'success', subject: row.accountId, actor: clientId, clientId,
        ...(context.ip ? { ip: context.ip } : {}), ...(context.requestId ? { requestId: context.requestId } : {}),
        details: { case_no: caseNo },
      });
      return viewOf(row);
    },

    async summary(accountId, latest) {
      const counts = await repo.countCasesByCategory(db, accountId);
      const categories: CaseCategory[] = ['in_progress', 'completed', 'pending_rating'];
      const lists = await Promise.all(categories.map((c) => (counts[c] > 0 ? repo.listCasesInCategory(db, accountId, c, latest, 0) : Promise.resolve([]))));
      return Object.fromEntries(categories.map((c, i) => [c, { count: counts[c], latest: lists[i] ?? [] }])) as Record<CaseCategory, { count: number; latest: Array<CaseRow & { rated: boolean }> }>;
    },

    async list(accountId, category, limit, offset) {
      const [counts, items] = await Promise.all([repo.countCasesByCategory(db, accountId), repo.listCasesInCategory(db, accountId, category, limit, offset)]);
      return { items, total: counts[category] };
    },

    async detail(accountId, caseId) {
      const row = await repo.findCaseOfAccount(db, accountId, caseId);
      if (!row) return undefined;
      const [timeline, rating] = await Promise.all([repo.listCaseEvents(db, row.id), repo.findRating(db, row.id)]);
      return { ...row, timeline, rating, ratingDue: row.status === 'completed' && !rating };
    },

    async rate(accountId, caseId, input, context) {
      const row = await repo.findCaseOfAccount(db, accountId, caseId);
      if (!row) throw new AppError('errors.not_found', 404);
      if (row.status !== 'completed') throw new AppError('cases.rate.not_completed', 409);
      if (!isRatingLevel(input.level)) throw new ValidationError('cases.rate.level_required', 'level');
      const indicators: Record<string, number> = {};
      for (const name of ratingIndicators) {
        const value = Number(input.indicators[name]);
        if (!Number.isInteger(value) || value < 1 || value > 5) throw new ValidationError('cases.rate.indicator_required', name);
        indicators[name] = value;
      }
      const comment = input.comment.trim();
      if (Array.from(comment).length > maxRatingCommentLength) throw new ValidationError('cases.rate.comment_too_long', 'comment', { max: maxRatingCommentLength });
      if (isBadRating(input.level) && comment === '') throw new ValidationError('cases.rate.comment_required', 'comment');
      const now = clock.now();
      const stored = await db.transaction().execute(async (trx) => {
        const fresh = await repo.insertRatingIfNew(trx, {
          caseId: row.id, clientId: row.clientId, level: input.level, indicators, comment: comment || null, ratedAt: now,
          rectificationDueAt: isBadRating(input.level as RatingLevel) ? addWorkingDays(now, rectificationWorkingDays) : null,
        });
        if (fresh) await repo.insertOutboxEntry(trx, row.id, row.clientId, now);
        return fresh;
      });
      if (!stored) throw new AppError('cases.rate.already_rated', 409);
      await audit.record({
        event: 'case.rated', outcome: 'success', subject: accountId, actor: accountId, clientId: row.clientId,
        ...(context.ip ? { ip: context.ip } : {}), ...(context.requestId ? { requestId: context.requestId } : {}),
        details: { case_no: row.caseNo, level: input.level },
      });
      // The first attempt right away; the job retries what this one could not deliver.
      void deliverDue().catch((err: unknown) => deps.logger.warn({ err: (err as Error).message }, 'case rating delivery failed'));
    },

    deliverDue,

    async sendInvitations() {
      const now = clock.now();
      const claimed = await repo.claimInvitations(db, new Date(now.getTime() - invitationAfterDays * 86_400_000), now, 50);
      let sent = 0;
      for (const item of claimed) {
        const phone = await deps.phoneOf(item.accountId);
        if (!phone) continue; // no number: the case stays marked, nothing to send
        // Counted in the number's SMS limits like any other message to it.
        const buckets = smsBuckets(deps.blindIndex('phone', phone), 'system', 'access');
        const decision = await rateLimiter.consume([
          { bucket: buckets.minute, limit: deps.smsLimits.perNumberPerMinute, windowSeconds: 60 },
          { bucket: buckets.hour, limit: deps.smsLimits.perNumberPerHour, windowSeconds: 3600 },
          { bucket: buckets.day, limit: deps.smsLimits.perNumberPerDay, windowSeconds: 86400 },
        ]);
        if (!decision.ok) {
          await repo.releaseInvitation(db, item.id); // not sent: a later run tries again
          continue;
        }
        let outcome: 'success' | 'failure' = 'success';
        try {
          await deps.sms.notify(phone, 'case_rating_invitation');
          sent += 1;
        } catch {
          outcome = 'failure'; // at most one invitation per case: a failed one is not repeated
        }
        await audit.record({ event: 'case.rating_invited', outcome, subject: item.accountId, details: { service: item.service } });
      }
      return sent;
    },

    purgeDelivered(limit) {
      const before = new Date(clock.now().getTime() - limits.outboxRetentionDays * 86_400_000);
      return repo.deleteDeliveredOutboxBefore(db, before, limit);
    },

    overdueRectifications(limit = 200) {
      return repo.listOverdueRectifications(db, clock.now(), limit);
    },
  };
}
