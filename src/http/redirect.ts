// After a form POST the browser is sent on with 303 See Other (it then GETs the target).

import type { Context } from 'koa';

export function seeOther(ctx: Context, url: string): void {
  ctx.redirect(url);
  ctx.status = 303;
}
