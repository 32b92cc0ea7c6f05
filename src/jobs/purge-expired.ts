// src/jobs/: scheduled background work (purge, case invitations, proof binding), started by the container; imports repositories/, services/, domain/, db/, log/.
// Background housekeeping: expired oidc-provider rows (in bounded batches, kept a margin past
// expiry for the library's clock tolerance), expired journeys, captchas, codes, rate-limit windows,
// QR tickets and user-centre sessions, audit events past their retention, and 权益单 certificates
// a year past their expiry (kept that long so /verify says 已过期, not 未找到).

import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import type { Clock } from '../domain/clock.js';
import type { Logger } from '../log/logger.js';
import { deleteExpiredAccountSessions } from '../repositories/account-sessions.js';
import { purgeAuditEventsBefore } from '../repositories/audit-retention.js';
import { deleteExpiredCaptchas } from '../repositories/captchas.js';
import { deleteExpiredSpentChallenges } from '../repositories/spent-challenges.js';
import { deleteExpiredFlows } from '../repositories/flows.js';
import { purgeExpiredPayloads } from '../repositories/oidc-payloads.js';
import { deleteExpiredCodes } from '../repositories/one-time-codes.js';
import { deleteExpiredQrTickets } from '../repositories/qr-tickets.js';
import { deleteExpiredBuckets } from '../repositories/rate-limits.js';
import { deleteRightsCertificatesExpiredBefore } from '../repositories/rights-certificates.js';
import { certificateKeptDaysAfterExpiry } from '../domain/certificate-codes.js';

const marginMs = 5 * 60 * 1000;
const maxBatchesPerRun = 20;

/** Runs `batch` until it deletes fewer than `size` rows, at most 20 times; returns the total. */
export async function inBatches(batch: (limit: number) => Promise<number>, size: number): Promise<number> {
  let total = 0;
  for (let i = 0; i < maxBatchesPerRun; i += 1) {
    const n = await batch(size);
    total += n;
    if (n < size) break;
  }
  return total;
}

/** Deletes expired oidc-provider rows, at most `batchSize × 20` per run; returns how many went. */
export async function purgeExpiredOnce(db: Kysely<DB>, clock: Clock, batchSize: number): Promise<number> {
  const before = new Date(clock.now().getTime() - marginMs);
  return inBatches((limit) => purgeExpiredPayloads(db, before, limit), batchSize);
}

export interface HousekeepingReport {
  oidc: number;
  flows: number;
  shortLived: number;
  audit: number;
  /** 权益单 certificates past expiry plus the year they are kept. */
  certificates: number;
}

/** One full housekeeping run; every part bounded. */
export async function housekeepOnce(db: Kysely<DB>, clock: Clock, options: { batchSize: number; auditRetentionDays: number }): Promise<HousekeepingReport> {
  const now = clock.now();
  const before = new Date(now.getTime() - marginMs);
  const oidc = await purgeExpiredOnce(db, clock, options.batchSize);
  const flows = await inBatches((limit) => deleteExpiredFlows(db, before, limit), options.batchSize);
  let shortLived = 0;
  for (const purge of [deleteExpiredCaptchas, deleteExpiredSpentChallenges, deleteExpiredCodes, deleteExpiredBuckets, deleteExpiredQrTickets, deleteExpiredAccountSessions]) {
    shortLived += await purge(db, before);
  }
  const auditBefore = new Date(now.getTime() - options.auditRetentionDays * 86_400_000);
  const audit = await inBatches((limit) => purgeAuditEventsBefore(db, auditBefore, limit), options.batchSize);
  const certificatesBefore = new Date(now.getTime() - certificateKeptDaysAfterExpiry * 86_400_000);
  const certificates = await inBatches((limit) => deleteRightsCertificatesExpiredBefore(db, certificatesBefore, limit), options.batchSize);
  return { oidc, flows, shortLived, audit, certificates };
}

export function schedulePurge(deps: { db: Kysely<DB>; clock: Clock; logger: Logger; intervalSeconds: number; batchSize: number; auditRetentionDays: number }): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    housekeepOnce(deps.db, deps.clock, { batchSize: deps.batchSize, auditRetentionDays: deps.auditRetentionDays })
      .then((report) => {
        if (Object.values(report).some((n) => n > 0)) deps.logger.info(report, 'housekeeping purged expired rows');
      })
      .catch((err: unknown) => deps.logger.warn({ err: (err as Error).message }, 'housekeeping failed'))
      .finally(() => {
        running = false;
      });
  }, deps.intervalSeconds * 1000);
  timer.unref();
  return () => clearInterval(timer);
}
