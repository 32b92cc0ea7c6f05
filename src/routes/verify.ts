// GET /verify and /verify/{code}: the public check of a printed 我的权益单 (no sign-in). It says
// authentic (with the issue date, the masked name and the digest, nothing more), 已过期, or not
// found — the same page for unknown and malformed codes; rate limited per client address.

import Router from '@koa/router';
import type { Context } from 'koa';
import { render } from '../http/views.js';
import type { RouteDeps } from '../pages/deps.js';
import { requestState } from '../http/state.js';

const statusOf = { authentic: 200, expired: 410, not_found: 404 } as const;

export function verifyRoutes(deps: Pick<RouteDeps, 'views' | 'services'>): Router {
  const router = new Router();

  const answer = async (ctx: Context, code: unknown) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.set('X-Robots-Tag', 'noindex');
    const result = await deps.services.rightsCertificates.check(code, (requestState(ctx)).ip);
    render(ctx, deps.views, 'site/verify.njk', { result }, statusOf[result.state]);
  };

  router.get('/verify', async (ctx) => {
    if (ctx.query.code !== undefined) return answer(ctx, ctx.query.code);
    render(ctx, deps.views, 'site/verify.njk', {});
  });
  router.get('/verify/:code', (ctx) => answer(ctx, ctx.params.code));
  return router;
}
