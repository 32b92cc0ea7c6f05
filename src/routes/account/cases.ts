// 我的办件: the lists 办理中 / 已办结 / 待评价 (paginated, with empty states), a case's detail page
// (timeline, the service's own link, the rating or the rating form when due, 整改反馈), and the
// rating form's POST (form guard; one rating per case).

import type Router from '@koa/router';
import type { Context } from 'koa';
import { caseStatusLabelKeys, ratingIndicators, ratingLevels } from '../../domain/cases.js';
import { AppError } from '../../errors/app-error.js';
import { field } from '../../http/body.js';
import type { CaseCategory } from '../../services/cases.js';
import type { RouteDeps } from '../../pages/deps.js';
import { accountGuard, centreOf, formError, formatTime, msg, renderCentre } from '../../pages/account/context.js';
import { seeOther } from '../../http/redirect.js';
import { caseCategories, caseRowModel, pageSize } from '../../pages/account/cases-view.js';
import { requestState } from '../../http/state.js';

function categoryOf(value: unknown): CaseCategory {
  return caseCategories.includes(value as CaseCategory) ? (value as CaseCategory) : 'in_progress';
}

export function caseRoutes(router: Router, deps: RouteDeps): void {
  const { services } = deps;
  const guard = accountGuard(deps);

  router.get('/cases', async (ctx) => {
    const { account } = centreOf(ctx);
    const category = categoryOf(ctx.query.status);
    const requested = Number.parseInt(typeof ctx.query.page === 'string' ? ctx.query.page : '1', 10);
    const page = Number.isInteger(requested) && requested >= 1 && requested <= 10_000 ? requested : 1;
    const { items, total } = await services.cases.list(account.id, category, pageSize, (page - 1) * pageSize);
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
  });

  const showCase = async (ctx: Context, extra: { error?: string; fieldErrors?: Record<string, string>; form?: Record<string, string>; notice?: string; status?: number } = {}) => {
    const { account } = centreOf(ctx);
    const detail = await services.cases.detail(account.id, String(ctx.params.id ?? ''));
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
  };

  router.get('/cases/:id', (ctx) => showCase(ctx));

  router.post('/cases/:id/rating', async (ctx) => {
    const form = await guard(ctx);
    const { account } = centreOf(ctx);
    const input = {
      level: field(form, 'level', 32),
      indicators: Object.fromEntries(ratingIndicators.map((name) => [name, field(form, name, 2)])),
      comment: field(form, 'comment', 2000),
    };
    const state = requestState(ctx);
    try {
      await services.cases.rate(account.id, String(ctx.params.id ?? ''), input, { ip: state.ip, requestId: state.requestId });
    } catch (err) {
      const shown = formError(ctx, err);
      if (!shown || shown.status === 404) throw err;
      const kept: Record<string, string> = { level: input.level, comment: input.comment, ...input.indicators };
      const fieldKey = shown.field && (ratingIndicators as readonly string[]).includes(shown.field) ? 'indicators' : shown.field;
      return showCase(ctx, fieldKey ? { fieldErrors: { [fieldKey]: shown.message }, form: kept, status: shown.status } : { error: shown.message, status: shown.status });
    }
    seeOther(ctx, `/account/cases/${ctx.params.id as string}?rated=1`);
  });
}

