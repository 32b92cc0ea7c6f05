// Nunjucks rendering for the mock upstream servers' own pages (views/mocks/<name>/*.njk).

import nunjucks from 'nunjucks';
import type { Context } from 'koa';
import { viewsDir } from '../../paths.js';

const env = new nunjucks.Environment(new nunjucks.FileSystemLoader(viewsDir, { noCache: false }), {
  autoescape: true,
  throwOnUndefined: false,
});

/** Renders `views/<template>` into the response as HTML. */
export function renderMockPage(ctx: Context, template: string, model: Record<string, unknown>): void {
  ctx.type = 'text/html; charset=utf-8';
  ctx.set('Cache-Control', 'no-store');
  ctx.body = env.render(template, model);
}
