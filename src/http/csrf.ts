// CSRF protection and browser identity: every browser gets a random id in an HttpOnly cookie;
// forms carry HMAC(key, id) and a POST without the matching token (or from a foreign Origin) is
// refused. Flows bind to the same id, so a flow cannot be continued from another browser.

import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Context, Middleware } from 'koa';
import { AppError } from '../errors/app-error.js';
import type { RequestState } from './state.js';

export const browserCookie = '_jsrs_bid';

function tokenFor(key: Buffer, browserId: string): string {
  return createHmac('sha256', key).update(`csrf:${browserId}`).digest('base64url');
}

/** The browser id of this request (set by the middleware), for flow binding. */
export function browserIdOf(ctx: Context): string {
  return (ctx.state as { browserId?: string }).browserId ?? '';
}

export function csrfCookies(options: { key: Buffer; secure: boolean }): Middleware {
  return async (ctx, next) => {
    let id = ctx.cookies.get(browserCookie);
    if (!id || !/^[A-Za-z0-9_-]{32,64}$/.test(id)) {
      id = randomBytes(24).toString('base64url');
      ctx.cookies.set(browserCookie, id, { httpOnly: true, sameSite: 'lax', secure: options.secure, overwrite: true });
    }
    (ctx.state as { browserId?: string }).browserId = id;
    (ctx.state as RequestState).csrfToken = tokenFor(options.key, id);
    await next();
  };
}

/** Throws 403 unless the submitted `_csrf` matches this browser and any Origin header is ours. */
export function requireCsrf(ctx: Context, form: Record<string, string>, key: Buffer, issuerOrigin: string): void {
  const origin = ctx.get('origin');
  // (Koa 3's ctx.origin echoes the Origin header, so our own origin is built from protocol and host.)
  const ours = `${ctx.protocol}://${ctx.host}`;
  if (origin && origin !== 'null' && origin !== issuerOrigin && origin !== ours) throw new AppError('errors.csrf', 403);
  const submitted = Buffer.from(form._csrf ?? '');
  const expected = Buffer.from(tokenFor(key, browserIdOf(ctx)));
  if (submitted.length !== expected.length || !timingSafeEqual(submitted, expected)) throw new AppError('errors.csrf', 403);
}
