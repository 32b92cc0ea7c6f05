// The one place errors become responses: AppErrors show their (translated) message, database
// outages answer 503, anything else a generic 500 page or JSON with the request id, never a stack.

import type { Context, Middleware } from 'koa';
import { AppError, RateLimitedError, UnavailableError } from '../errors/app-error.js';
import { t } from '../i18n/index.js';
import type { RequestState } from './state.js';
import { render, type Views } from './views.js';

const connectionErrorCodes = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', '57P01', '57P02', '57P03', '08006', '08001', '08003', '08004']);

/** True when `err` says the database could not be reached (not a query mistake). */
export function isDatabaseUnavailable(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 5; depth += 1) {
    const { code, message } = e as { code?: unknown; message?: unknown };
    if (typeof code === 'string' && connectionErrorCodes.has(code)) return true;
    if (typeof message === 'string' && /timeout exceeded when trying to connect|Connection terminated|database ping timed out|connect ECONNREFUSED/i.test(message)) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

export function wantsJson(ctx: Context): boolean {
  return ctx.path.startsWith('/api/') || ctx.path.endsWith('.json') || (ctx.accepts('html', 'json') === 'json');
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
