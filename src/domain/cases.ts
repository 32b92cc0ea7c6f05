// 办件 and 好差评 rules without IO: the case statuses and which change is allowed, the five rating
// levels and five indicators of the national 好差评 scheme, and the 15-working-day rectification term.

export const caseStatuses = ['accepted', 'in_progress', 'completed', 'rejected', 'withdrawn'] as const;
export type CaseStatus = (typeof caseStatuses)[number];

export function isCaseStatus(value: unknown): value is CaseStatus {
  return typeof value === 'string' && (caseStatuses as readonly string[]).includes(value);
}

/** i18n keys of the statuses: 已受理, 办理中, 已办结, 不予受理, 已撤回. */
export const caseStatusLabelKeys: Record<CaseStatus, string> = {
  accepted: 'cases.status.accepted',
  in_progress: 'cases.status.in_progress',
  completed: 'cases.status.completed',
  rejected: 'cases.status.rejected',
  withdrawn: 'cases.status.withdrawn',
};

/** Final statuses: nothing follows them. */
export const finalStatuses: ReadonlySet<CaseStatus> = new Set(['completed', 'rejected', 'withdrawn']);

/**
 * Whether a case may move from `from` to `to`. The same status again is allowed (an idempotent
 * repeat, or a new note); a final status never changes; 已受理 → 办理中 → 已办结 only forwards.
 */
export function transitionAllowed(from: CaseStatus, to: CaseStatus): boolean {
  if (from === to) return true;
  if (finalStatuses.has(from)) return false;
  if (from === 'in_progress' && to === 'accepted') return false;
  return true;
}

/** The five levels, best first, as the national scheme names them (非常满意 … 非常不满意). */
export const ratingLevels = ['very_satisfied', 'satisfied', 'basically_satisfied', 'dissatisfied', 'very_dissatisfied'] as const;
export type RatingLevel = (typeof ratingLevels)[number];

export function isRatingLevel(value: unknown): value is RatingLevel {
  return typeof value === 'string' && (ratingLevels as readonly string[]).includes(value);
}

/** 不满意 and 非常不满意: a comment is required and the service owes a 整改反馈. */
export function isBadRating(level: RatingLevel): boolean {
  return level === 'dissatisfied' || level === 'very_dissatisfied';
}

/** The online indicators (1–5 each): 整体满意度, 办事效率, 办事指南精确度, 办事便捷度, 平台操作性. */
export const ratingIndicators = ['overall', 'efficiency', 'guide_accuracy', 'convenience', 'usability'] as const;
export type RatingIndicator = (typeof ratingIndicators)[number];

export const maxRatingCommentLength = 500;
export const maxRectificationLength = 2000;
export const rectificationWorkingDays = 15;
/** A completed, unrated case gets its one SMS invitation after this many days. */
export const invitationAfterDays = 3;

/**
 * The day a 整改反馈 is due: `days` working days (Monday to Friday, in China Standard Time) after
 * `from`, at the same time of day. Public holidays are not known here and count as working days.
 */
export function addWorkingDays(from: Date, days: number): Date {
  const cstOffsetMs = 8 * 3600_000;
  let at = from.getTime();
  let left = days;
  while (left > 0) {
    at += 86_400_000;
    const weekday = new Date(at + cstOffsetMs).getUTCDay();
    if (weekday !== 0 && weekday !== 6) left -= 1;
  }
  return new Date(at);
}
