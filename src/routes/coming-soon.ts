// Pages whose journeys are not built yet (password recovery, appeals): an honest "not yet
// available" page instead of a 404, so the login page's links never lead nowhere.

import Router from '@koa/router';
import { render } from '../http/views.js';
import type { RouteDeps } from './deps.js';

export function comingSoonRoutes(deps: RouteDeps, paths: Array<{ path: string; titleKey: string }>): Router {
  const router = new Router();
  for (const { path, titleKey } of paths) {
    router.get(path, (ctx) => {
      render(ctx, deps.views, 'errors/coming-soon.njk', { titleKey }, 501);
    });
  }
  return router;
}
