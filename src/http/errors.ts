// src/http/: Koa plumbing shared by every route (body parsing, CSRF, form guard, errors, headers, views, metrics, request state); imports domain/, errors/, i18n/, log/, services/ (types), db/, src/paths.ts.
// The one place errors become responses: AppErrors show their (translated) message, database
// outages answer 503, anything else a generic 500 page or JSON with the request id, never a stack.

import type { Context, Middleware } from 'koa';
import { isDatabaseUnavailable } from '../db/unavailable.js';
import { AppError, RateLimitedError, UnavailableError } from '../errors/app-error.js';
import { t } from '../i18n/index.js';
import { isProtocolApiPath } from './protocol-paths.js';
import type { RequestState } from './state.js';
import { render, type Views } from './views.js';

export { isDatabaseUnavailable };

export function wantsJson(ctx: Context): boolean {
  return ctx.path.startsWith('/api/') || isProtocolApiPath(ctx.path) || ctx.path.endsWith('.json') || (ctx.accepts('html', 'json') === 'json');
}

export function toAppError(err: unknown): AppError | undefined {
  if (err instanceof AppError) return err;
  if (isDatabaseUnavailable(err)) return new UnavailableError({ cause: err });
  const status = (err as { status?: unknown }).status;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return new AppError(status === 404 ? 'errors.not_found' : 'errors.bad_request', status);
  }
  return undefined;
}

export function errorHandler(views: Views): Middleware {
  return async (ctx, next) => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) throw new AppError('errors.not_found', 404);
    } catch (err) {
      const state = ctx.state as RequestState;
      const appError = toAppError(err);
      const status = appError?.status ?? 500;
      if (!appError) state.log?.error({ err }, 'unhandled error');
      else if (status >= 500) state.log?.warn({ code: appError.code, err: (err as Error).message }, 'request failed');
      const locale = state.locale ?? 'zh-CN';
      const code = appError?.code ?? 'errors.internal';
      const message = t(locale, code, appError?.params ?? {});
      ctx.status = status;
      if (appError instanceof RateLimitedError) ctx.set('Retry-After', String(appError.retryAfterSeconds));
      if (status === 503) ctx.set('Retry-After', ctx.response.get('Retry-After') || '5');
      ctx.set('Cache-Control', 'no-store');
      if (wantsJson(ctx)) {
        ctx.body = { error: code, message, request_id: state.requestId };
      } else {
        render(ctx, views, 'errors/error.njk', { title: t(locale, 'errors.title'), message, requestId: state.requestId }, status);
      }
    }
  };
}
