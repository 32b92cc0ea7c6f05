// GET /qr/l/<ticket>: what a QR login code encodes. The 江苏智慧人社 app reads the ticket from it; a
// browser that opens it gets a page saying to scan with the app, or (development) the app simulator.

import Router from '@koa/router';
import { render } from '../http/views.js';
import type { RouteDeps } from '../pages/deps.js';
import { seeOther } from '../http/redirect.js';

export function qrLandingRoutes(deps: RouteDeps): Router {
  const router = new Router();
  router.get('/qr/l/:token', (ctx) => {
    const { token } = ctx.params as { token: string };
    ctx.set('Cache-Control', 'no-store');
    if (deps.config.env !== 'production') {
      seeOther(ctx, `/dev/app?ticket=${encodeURIComponent(token)}`);
      return;
    }
    render(ctx, deps.views, 'app/qr-landing.njk', {});
  });
  return router;
}
