// Development-only pages (never mounted in production): the SMS outbox and the captcha peek that
// tests and people without a phone use.

import Router from '@koa/router';
import { parseMobile } from '../domain/phone.js';
import { render } from '../http/views.js';
import type { RouteDeps } from '../pages/deps.js';

export function devRoutes(deps: RouteDeps): Router {
  const router = new Router({ prefix: '/dev' });
  const outbox = (phone: unknown) => {
    const parsed = typeof phone === 'string' && phone ? parseMobile(phone) : undefined;
    if (parsed && !parsed.ok) return [];
    return deps.services.devSms?.outbox(parsed?.e164) ?? [];
  };
  router.get('/outbox.json', (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.body = outbox(ctx.query.phone);
  });
  router.get('/outbox', (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    render(ctx, deps.views, 'dev/outbox.njk', { messages: outbox(ctx.query.phone) });
  });
  router.get('/captcha.json', (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { answer: deps.services.captcha.lastAnswer() ?? null };
  });
  return router;
}
