// SQL for 办件 and 好差评: cases (one per client and case number), their timeline, the one rating of
// each case with its 整改反馈, the webhook outbox and the SMS invitation claim.

import { sql, type Kysely } from 'kysely';
import type { CaseStatusColumn, DB } from '../db/schema.js';
import { isUuid } from '../domain/ids.js';

export interface CaseRow {
  id: string;
  clientId: string;
  caseNo: string;
  accountId: string;
  service: string;
  department: string;
  status: CaseStatusColumn;
  statusNote: string | null;
  detailUrl: string | null;
  submittedAt: Date;
  statusAt: Date;
  completedAt: Date | null;
  invitedAt: Date | null;
  updatedAt: Date;
}

export interface CaseEventRow {
  status: CaseStatusColumn;
  note: string | null;
  occurredAt: Date;
}

export interface RatingRow {
  caseId: string;
  seq: string;
  clientId: string;
  level: string;
  indicators: Record<string, number>;
  comment: string | null;
  ratedAt: Date;
  rectificationDueAt: Date | null;
  rectification: string | null;
  rectifiedAt: Date | null;
}

const caseColumns = ['id', 'client_id', 'case_no', 'account_id', 'service', 'department', 'status', 'status_note', 'detail_url', 'submitted_at', 'status_at', 'completed_at', 'invited_at', 'updated_at'] as const;

type CaseRecord = {
  id: string; client_id: string; case_no: string; account_id: string; service: string; department: string; status: CaseStatusColumn;
  status_note: string | null; detail_url: string | null; submitted_at: Date; status_at: Date; completed_at: Date | null; invited_at: Date | null; updated_at: Date;
};

function toCase(r: CaseRecord): CaseRow {
  return {
    id: r.id, clientId: r.client_id, caseNo: r.case_no, accountId: r.account_id, service: r.service, department: r.department,
    status: r.status, statusNote: r.status_note, detailUrl: r.detail_url, submittedAt: r.submitted_at, statusAt: r.status_at,
    completedAt: r.completed_at, invitedAt: r.invited_at, updatedAt: r.updated_at,
  };
}

type RatingRecord = {
  case_id: string; seq: string; client_id: string; level: string; indicators: Record<string, number>; comment: string | null; rated_at: Date;
  rectification_due_at: Date | null; rectification: string | null; rectified_at: Date | null;
};

function toRating(r: RatingRecord): RatingRow {
  return {
    caseId: r.case_id, seq: String(r.seq), clientId: r.client_id, level: r.level, indicators: r.indicators, comment: r.comment, ratedAt: r.rated_at,
    rectificationDueAt: r.rectification_due_at, rectification: r.rectification, rectifiedAt: r.rectified_at,
  };
}

export async function findCaseByNumber(db: Kysely<DB>, clientId: string, caseNo: string, forUpdate = false): Promise<CaseRow | undefined> {
  let q = db.selectFrom('cases').select(caseColumns).where('client_id', '=', clientId).where('case_no', '=', caseNo);
  if (forUpdate) q = q.forUpdate();
  const row = await q.executeTakeFirst();
  return row ? toCase(row) : undefined;
}

/** Account and case ids are uuid columns: anything else matches nothing (and never reaches SQL). */
export async function findCaseOfAccount(db: Kysely<DB>, accountId: string, caseId: string): Promise<CaseRow | undefined> {
  if (!isUuid(caseId)) return undefined;
  const row = await db.selectFrom('cases').select(caseColumns).where('id', '=', caseId).where('account_id', '=', accountId).executeTakeFirst();
  return row ? toCase(row) : undefined;
}

export async function findCaseById(db: Kysely<DB>, caseId: string): Promise<CaseRow | undefined> {
  const row = await db.selectFrom('cases').select(caseColumns).where('id', '=', caseId).executeTakeFirst();
  return row ? toCase(row) : undefined;
}

/** Inserts the case unless the client already has that number; true when this call created it. */
export async function insertCaseIfNew(db: Kysely<DB>, row: Omit<CaseRow, 'invitedAt' | 'updatedAt'>, now: Date): Promise<boolean> {
  const inserted = await db
    .insertInto('cases')
    .values({
      id: row.id, client_id: row.clientId, case_no: row.caseNo, account_id: row.accountId, service: row.service, department: row.department,
      status: row.status, status_note: row.statusNote, detail_url: row.detailUrl, submitted_at: row.submittedAt, status_at: row.statusAt,
      completed_at: row.completedAt, created_at: now, updated_at: now,
    })
    .onConflict((oc) => oc.columns(['client_id', 'case_no']).doNothing())
    .returning('id')
    .executeTakeFirst();
  return inserted !== undefined;
}

export async function updateCase(
  db: Kysely<DB>,
  id: string,
  fields: Pick<CaseRow, 'service' | 'department' | 'status' | 'statusNote' | 'detailUrl' | 'statusAt' | 'completedAt'>,
  now: Date,
): Promise<void> {
  await db
    .updateTable('cases')
    .set({
      service: fields.service, department: fields.department, status: fields.status, status_note: fields.statusNote, detail_url: fields.detailUrl,
      status_at: fields.statusAt, completed_at: fields.completedAt, updated_at: now,
    })
    .where('id', '=', id)
    .execute();
}

export async function insertCaseEvent(db: Kysely<DB>, caseId: string, event: CaseEventRow, now: Date): Promise<void> {
  await db.insertInto('case_events').values({ case_id: caseId, status: event.status, note: event.note, occurred_at: event.occurredAt, recorded_at: now }).execute();
}

export async function listCaseEvents(db: Kysely<DB>, caseId: string): Promise<CaseEventRow[]> {
  const rows = await db.selectFrom('case_events').select(['status', 'note', 'occurred_at']).where('case_id', '=', caseId).orderBy('id').execute();
  return rows.map((r) => ({ status: r.status, note: r.note, occurredAt: r.occurred_at }));
}

export async function countCasesOfCitizen(db: Kysely<DB>, clientId: string, accountId: string): Promise<number> {
  const row = await db.selectFrom('cases').select(sql<string>`count(*)`.as('n')).where('client_id', '=', clientId).where('account_id', '=', accountId).executeTakeFirst();
  return Number(row?.n ?? 0);
}

/** The user centre's three lists: 办理中 (accepted or in progress), 已办结 (completed), 待评价 (completed, not rated). */
export type CaseCategory = 'in_progress' | 'completed' | 'pending_rating';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function inCategory(q: any, category: CaseCategory): any {
  if (category === 'in_progress') return q.where('cases.status', 'in', ['accepted', 'in_progress']);
  if (category === 'completed') return q.where('cases.status', '=', 'completed');
  return q.where('cases.status', '=', 'completed').where('case_ratings.case_id', 'is', null);
}

export async function countCasesByCategory(db: Kysely<DB>, accountId: string): Promise<Record<CaseCategory, number>> {
  const row = await db
    .selectFrom('cases')
    .leftJoin('case_ratings', 'case_ratings.case_id', 'cases.id')
    .select([
      sql<string>`count(*) filter (where cases.status in ('accepted', 'in_progress'))`.as('in_progress'),
      sql<string>`count(*) filter (where cases.status = 'completed')`.as('completed'),
      sql<string>`count(*) filter (where cases.status = 'completed' and case_ratings.case_id is null)`.as('pending_rating'),
    ])
    .where('cases.account_id', '=', accountId)
    .executeTakeFirst();
  return { in_progress: Number(row?.in_progress ?? 0), completed: Number(row?.completed ?? 0), pending_rating: Number(row?.pending_rating ?? 0) };
}

export async function listCasesInCategory(db: Kysely<DB>, accountId: string, category: CaseCategory, limit: number, offset: number): Promise<Array<CaseRow & { rated: boolean }>> {
  let q = db
    .selectFrom('cases')
    .leftJoin('case_ratings', 'case_ratings.case_id', 'cases.id')
    .select(caseColumns.map((c) => `cases.${c}` as const))
    .select(sql<boolean>`case_ratings.case_id is not null`.as('rated'))
    .where('cases.account_id', '=', accountId);
  q = inCategory(q, category);
  const rows = await q.orderBy('cases.status_at', 'desc').orderBy('cases.id').limit(limit).offset(offset).execute();
  return rows.map((r) => ({ ...toCase(r as CaseRecord), rated: Boolean((r as { rated: boolean }).rated) }));
}

/** Stores the rating unless the case has one (一事一评); true when this call stored it. */
export async function insertRatingIfNew(db: Kysely<DB>, rating: Omit<RatingRow, 'seq' | 'rectification' | 'rectifiedAt'>): Promise<boolean> {
  const row = await db
    .insertInto('case_ratings')
    .values({
      case_id: rating.caseId, client_id: rating.clientId, level: rating.level, indicators: JSON.stringify(rating.indicators), comment: rating.comment,
      rated_at: rating.ratedAt, rectification_due_at: rating.rectificationDueAt,
    })
    .onConflict((oc) => oc.column('case_id').doNothing())
    .returning('case_id')
    .executeTakeFirst();
  return row !== undefined;
}

const ratingColumns = ['case_id', 'seq', 'client_id', 'level', 'indicators', 'comment', 'rated_at', 'rectification_due_at', 'rectification', 'rectified_at'] as const;

export async function findRating(db: Kysely<DB>, caseId: string): Promise<RatingRow | undefined> {
  const row = await db.selectFrom('case_ratings').select(ratingColumns).where('case_id', '=', caseId).executeTakeFirst();
  return row ? toRating(row as RatingRecord) : undefined;
}

/** A client's ratings after the cursor `since` (a rating's seq), oldest first, with their case numbers. */
export async function listRatingsSince(db: Kysely<DB>, clientId: string, since: string, limit: number): Promise<Array<RatingRow & { caseNo: string; accountId: string }>> {
  const rows = await db
    .selectFrom('case_ratings')
    .innerJoin('cases', 'cases.id', 'case_ratings.case_id')
    .select(ratingColumns.map((c) => `case_ratings.${c}` as const))
    .select(['cases.case_no', 'cases.account_id'])
    .where('case_ratings.client_id', '=', clientId)
    .where('case_ratings.seq', '>', since)
    .orderBy('case_ratings.seq')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ ...toRating(r as unknown as RatingRecord), caseNo: r.case_no, accountId: r.account_id }));
}

/** Stores the 整改反馈 of a bad rating once; false when there is none owed or it was given already. */
export async function setRectification(db: Kysely<DB>, caseId: string, text: string, now: Date): Promise<boolean> {
  const row = await db
    .updateTable('case_ratings')
    .set({ rectification: text, rectified_at: now })
    .where('case_id', '=', caseId)
    .where('rectification_due_at', 'is not', null)
    .where('rectification', 'is', null)
    .returning('case_id')
    .executeTakeFirst();
  return row !== undefined;
}

export interface OverdueRectification {
  clientId: string;
  caseNo: string;
  service: string;
  level: string;
  ratedAt: Date;
  dueAt: Date;
}

export async function listOverdueRectifications(db: Kysely<DB>, now: Date, limit: number): Promise<OverdueRectification[]> {
  const rows = await db
    .selectFrom('case_ratings')
    .innerJoin('cases', 'cases.id', 'case_ratings.case_id')
    .select(['cases.client_id', 'cases.case_no', 'cases.service', 'case_ratings.level', 'case_ratings.rated_at', 'case_ratings.rectification_due_at'])
    .where('case_ratings.rectification', 'is', null)
    .where('case_ratings.rectification_due_at', '<', now)
    .orderBy('case_ratings.rectification_due_at')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ clientId: r.client_id, caseNo: r.case_no, service: r.service, level: r.level, ratedAt: r.rated_at, dueAt: r.rectification_due_at as Date }));
}

export async function insertOutboxEntry(db: Kysely<DB>, caseId: string, clientId: string, now: Date): Promise<void> {
  await db.insertInto('case_rating_outbox').values({ case_id: caseId, client_id: clientId, next_attempt_at: now }).execute();
}

export interface OutboxEntry {
  id: string;
  caseId: string;
  clientId: string;
  attempts: number;
}

/**
 * Claims up to `limit` due deliveries: each one's next attempt moves to `leaseUntil` at once, so
 * another node (or a slow attempt) does not send it twice meanwhile.
 */
export async function claimDueOutbox(db: Kysely<DB>, now: Date, leaseUntil: Date, limit: number): Promise<OutboxEntry[]> {
  const due = db.selectFrom('case_rating_outbox').select('id').where('delivered_at', 'is', null).where('next_attempt_at', '<=', now).orderBy('next_attempt_at').limit(limit);
  const rows = await db
    .updateTable('case_rating_outbox')
    .set({ next_attempt_at: leaseUntil })
    .where('id', 'in', due)
    .where('delivered_at', 'is', null)
    .where('next_attempt_at', '<=', now)
    .returning(['id', 'case_id', 'client_id', 'attempts'])
    .execute();
  return rows.map((r) => ({ id: String(r.id), caseId: r.case_id, clientId: r.client_id, attempts: r.attempts }));
}

export async function markOutboxDelivered(db: Kysely<DB>, id: string, now: Date): Promise<void> {
  await db.updateTable('case_rating_outbox').set({ delivered_at: now, attempts: sql`attempts + 1`, last_error: null }).where('id', '=', id).execute();
}

export async function markOutboxFailed(db: Kysely<DB>, id: string, nextAttemptAt: Date, error: string): Promise<void> {
  await db.updateTable('case_rating_outbox').set({ next_attempt_at: nextAttemptAt, attempts: sql`attempts + 1`, last_error: error.slice(0, 200) }).where('id', '=', id).execute();
}

/**
 * Deletes up to `limit` outbox rows delivered before `before`, oldest first (through the partial
 * index on delivered_at); a row not yet delivered is never deleted. Returns how many went.
 */
export async function deleteDeliveredOutboxBefore(db: Kysely<DB>, before: Date, limit: number): Promise<number> {
  const oldest = db
    .selectFrom('case_rating_outbox')
    .select('id')
    .where('delivered_at', 'is not', null)
    .where('delivered_at', '<', before)
    .orderBy('delivered_at')
    .limit(limit);
  const result = await db.deleteFrom('case_rating_outbox').where('id', 'in', oldest).where('delivered_at', 'is not', null).executeTakeFirst();
  return Number(result.numDeletedRows);
}

/**
 * Claims completed, unrated, never-invited cases completed before `before` for their one SMS
 * invitation (the claim is the mark: a case is claimed once, on any node).
 */
export async function claimInvitations(db: Kysely<DB>, before: Date, now: Date, limit: number): Promise<Array<{ id: string; accountId: string; service: string }>> {
  const due = db
    .selectFrom('cases')
    .leftJoin('case_ratings', 'case_ratings.case_id', 'cases.id')
    .select('cases.id')
    .where('cases.status', '=', 'completed')
    .where('cases.invited_at', 'is', null)
    .where('cases.completed_at', '<', before)
    .where('case_ratings.case_id', 'is', null)
    .limit(limit);
  const rows = await db
    .updateTable('cases')
    .set({ invited_at: now })
    .where('id', 'in', due)
    .where('invited_at', 'is', null)
    .returning(['id', 'account_id', 'service'])
    .execute();
  return rows.map((r) => ({ id: r.id, accountId: r.account_id, service: r.service }));
}

/** Gives a claimed invitation back (the SMS could not go out within the send limits). */
export async function releaseInvitation(db: Kysely<DB>, caseId: string): Promise<void> {
  await db.updateTable('cases').set({ invited_at: null }).where('id', '=', caseId).execute();
}

/** Whether `accountId` names an active account (a case's `sub`). */
export async function accountIsActive(db: Kysely<DB>, accountId: string): Promise<boolean> {
  if (!isUuid(accountId)) return false;
  const row = await db.selectFrom('accounts').select('id').where('id', '=', accountId).where('status', '=', 'active').executeTakeFirst();
  return row !== undefined;
}
