// 我的办件 as the centre shows it: the three lists (paginated, with empty states), a case as a list
// row (the 办件 pages and the 我的信息 summary both show cases this way), and a case's detail page
// (timeline, the rating or the rating form when due, 整改反馈).

import type { Context } from 'koa';
import { caseStatusLabelKeys, ratingIndicators, ratingLevels } from '../../domain/cases.js';
import { AppError } from '../../errors/app-error.js';
import type { CaseRow } from '../../repositories/cases.js';
import type { CaseCategory } from '../../services/cases.js';
import type { RouteDeps } from '../deps.js';
import { centreOf, formatTime, msg, renderCentre } from './context.js';

export const caseCategories: readonly CaseCategory[] = ['in_progress', 'completed', 'pending_rating'];
export const pageSize = 10;

/** A list's category as the query names it; 办理中 for anything else. */
export function categoryOf(value: unknown): CaseCategory {
  return caseCategories.includes(value as CaseCategory) ? (value as CaseCategory) : 'in_progress';
}

/** A case as a list row of the centre. */
export function caseRowModel(row: CaseRow & { rated: boolean }) {
  return {
    href: `/account/cases/${row.id}`,
    service: row.service,
    department: row.department,
    statusLabel: caseStatusLabelKeys[row.status],
    status: row.status,
    at: formatTime(row.statusAt),
    ratingDue: row.status === 'completed' && !row.rated,
  };
}

/** One page of a list of the signed-in account's cases, with the tabs and the links to the pages around it. */
export async function showCases(ctx: Context, deps: RouteDeps, category: CaseCategory, page: number): Promise<void> {
  const { account } = centreOf(ctx);
  const { items, total } = await deps.services.cases.list(account.id, category, pageSize, (page - 1) * pageSize);
  const pages = Math.max(1, Math.ceil(total / pageSize));
  const link = (p: number) => `/account/cases?status=${category}&page=${p}`;
  renderCentre(ctx, deps, 'account/cases.njk', 'cases', {
    category,
    tabs: caseCategories.map((c) => ({ id: c, href: `/account/cases?status=${c}`, label: `cases.category.${c}`, current: c === category })),
    items: items.map(caseRowModel),
    total,
    page,
    pages,
    previous: page > 1 ? link(Math.min(page - 1, pages)) : undefined,
    next: page < pages ? link(page + 1) : undefined,
  });
}

/** What the case page shows besides the case: a message, the rating form's values and field messages. */
export interface CaseExtra {
  error?: string;
  fieldErrors?: Record<string, string>;
  form?: Record<string, string>;
  notice?: string;
  status?: number;
}

/** A case of the signed-in account (timeline, rating or rating form); throws cases.not_found (404) for any other. */
export async function showCase(ctx: Context, deps: RouteDeps, caseId: string, extra: CaseExtra = {}): Promise<void> {
  const { account } = centreOf(ctx);
  const detail = await deps.services.cases.detail(account.id, caseId);
  if (!detail) throw new AppError('cases.not_found', 404);
  const rating = detail.rating;
  renderCentre(ctx, deps, 'account/case.njk', 'cases', {
    c: {
      id: detail.id,
      caseNo: detail.caseNo,
      service: detail.service,
      department: detail.department,
      statusLabel: caseStatusLabelKeys[detail.status],
      status: detail.status,
      note: detail.statusNote,
      detailUrl: detail.detailUrl,
      submittedAt: formatTime(detail.submittedAt),
      timeline: detail.timeline.map((e) => ({ statusLabel: caseStatusLabelKeys[e.status], note: e.note, at: formatTime(e.occurredAt), iso: e.occurredAt.toISOString() })),
    },
    rating: rating
      ? {
        levelLabel: `cases.level.${rating.level}`,
        indicators: ratingIndicators.map((name) => ({ label: `cases.indicator.${name}`, score: rating.indicators[name] })),
        comment: rating.comment,
        at: formatTime(rating.ratedAt),
        due: rating.rectificationDueAt && !rating.rectification ? formatTime(rating.rectificationDueAt) : undefined,
        rectification: rating.rectification,
        rectifiedAt: rating.rectifiedAt ? formatTime(rating.rectifiedAt) : undefined,
      }
      : undefined,
    rateForm: detail.ratingDue
      ? {
        levels: ratingLevels.map((l) => ({ value: l, label: `cases.level.${l}`, checked: extra.form?.level === l })),
        indicators: ratingIndicators.map((name) => ({ name, label: `cases.indicator.${name}`, value: extra.form?.[name] ?? '' })),
        comment: extra.form?.comment ?? '',
      }
      : undefined,
    error: extra.error,
    fieldErrors: extra.fieldErrors ?? {},
    notice: extra.notice ?? (ctx.query.rated === '1' && rating ? msg(ctx, 'cases.rate.thanks') : undefined),
  }, extra.status);
}
