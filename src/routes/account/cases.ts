// 我的办件: the lists 办理中 / 已办结 / 待评价, a case's detail page, and the rating form's POST (form
// guard; one rating per case). The pages live in pages/account/cases-view.ts, the rating step in
// flows/account-centre/cases.ts.

import type Router from '@koa/router';
import { ratingIndicators } from '../../domain/cases.js';
import { rateCase } from '../../flows/account-centre/cases.js';
import { field } from '../../http/body.js';
import { seeOther } from '../../http/redirect.js';
import { requestState } from '../../http/state.js';
import type { RouteDeps } from '../../pages/deps.js';
import { categoryOf, showCase, showCases } from '../../pages/account/cases-view.js';
import { accountGuard, centreOf, refusalView } from '../../pages/account/context.js';

export function caseRoutes(router: Router, deps: RouteDeps): void {
  const guard = accountGuard(deps);

  router.get('/cases', async (ctx) => {
    const requested = Number.parseInt(typeof ctx.query.page === 'string' ? ctx.query.page : '1', 10);
    const page = Number.isInteger(requested) && requested >= 1 && requested <= 10_000 ? requested : 1;
    await showCases(ctx, deps, categoryOf(ctx.query.status), page);
  });

  router.get('/cases/:id', (ctx) => showCase(ctx, deps, String(ctx.params.id ?? '')));

  router.post('/cases/:id/rating', async (ctx) => {
    const form = await guard(ctx);
    const caseId = String(ctx.params.id ?? '');
    const input = {
      level: field(form, 'level', 32),
      indicators: Object.fromEntries(ratingIndicators.map((name) => [name, field(form, name, 2)])),
      comment: field(form, 'comment', 2000),
    };
    const { ip, requestId } = requestState(ctx);
    const outcome = await rateCase(deps.services, centreOf(ctx).account.id, caseId, input, { ip, requestId });
    if (outcome.kind === 'done') return seeOther(ctx, `/account/cases/${caseId}?rated=1`);
    const shown = refusalView(ctx, outcome);
    await showCase(ctx, deps, caseId, shown.fieldErrors ? { ...shown, form: { level: input.level, comment: input.comment, ...input.indicators } } : shown);
  });
}
