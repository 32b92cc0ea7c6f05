// /recover/desk — 输入工作人员发起的验证码: the code a service desk member had sent to the account's
// bound phone (staff console, issue 17) opens the ordinary recovery flow at its last step, a new
// password, in this browser. Tries are limited per IP and per code; every miss reads the same.

import Router from '@koa/router';
import type { Context } from 'koa';
import { field } from '../../http/body.js';
import { browserIdOf } from '../../http/csrf.js';
import { seeOther } from '../../http/redirect.js';
import { requestState } from '../../http/state.js';
import { render } from '../../http/views.js';
import { openDeskReset } from '../../flows/recovery/desk.js';
import { formGuardFor, type RouteDeps } from '../../pages/deps.js';
import { identityStepDeps } from '../../pages/recovery/journey.js';
import { refusalModel } from '../../pages/recovery/recover-page.js';

export function deskResetRoutes(deps: RouteDeps): Router {
  const router = new Router({ prefix: '/recover' });
  const guard = formGuardFor(deps);
  const steps = identityStepDeps(deps);
  const show = (ctx: Context, model: Record<string, unknown> = {}, status?: number) =>
    render(ctx, deps.views, 'recovery/desk.njk', { values: {}, fieldErrors: {}, ...model }, status);

  router.get('/desk', (ctx) => show(ctx));

  router.post('/desk', async (ctx) => {
    const form = await guard(ctx);
    const { locale, ip, requestId } = requestState(ctx);
    const typed = { phone: field(form, 'phone', 64), code: field(form, 'code', 12) };
    const outcome = await openDeskReset(steps, typed, { ip, requestId, browserId: browserIdOf(ctx) });
    if (outcome.kind === 'started') return seeOther(ctx, `/recover/flow/${outcome.flowId}`);
    show(ctx, refusalModel(locale, outcome), outcome.status);
  });
  return router;
}
