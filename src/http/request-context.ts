// First middleware of every request: a request id (echoed as X-Request-Id), a child logger that
// carries it, the locale (explicit ?lang= remembered in a cookie, else Accept-Language), 长辈版
// (?care=1 / ?care=0 remembered in a cookie), and one access-log line per request (info): method,
// route, status, duration, request id; never the query.

import { randomUUID } from 'node:crypto';
import type { Middleware } from 'koa';
import { flatLineWriter, type Logger } from '../log/logger.js';
import { negotiateLocale } from '../i18n/index.js';
import type { RequestState } from './state.js';

const incomingId = /^[A-Za-z0-9._-]{8,64}$/;

/** Paths whose segments carry a secret (the QR login ticket `<id>.<secret>`), as logs show them. */
const secretPaths: ReadonlyArray<[RegExp, string]> = [
  [/^\/qr\/l\/[^/]*/, '/qr/l/:ticket'],
  [/^\/console\/enrol\/[^/]*/, '/console/enrol/:token'],
  [/^\/verify\/[^/]*/, '/verify/:code'],
];

/**
 * The path as logs may show it: secret segments replaced by their route parameter name
 * (`/qr/l/<id>.<secret>` → `/qr/l/:ticket`), long input cut. The query string is never logged.
 */
export function loggablePath(path: string): string {
  let out = path;
  for (const [pattern, shape] of secretPaths) out = out.replace(pattern, shape);
  return out.length > 256 ? `${out.slice(0, 256)}…` : out;
}

export function requestContext(logger: Logger): Middleware {
  const accessLine = flatLineWriter(logger);
  return async (ctx, next) => {
    const header = ctx.get('x-request-id');
    const requestId = incomingId.test(header) ? header : randomUUID();
    const explicit = typeof ctx.query.lang === 'string' ? ctx.query.lang : ctx.cookies.get('lang');
    const locale = negotiateLocale(explicit, ctx.get('accept-language'));
    if (typeof ctx.query.lang === 'string' && ctx.query.lang === locale) {
      ctx.cookies.set('lang', locale, { httpOnly: true, sameSite: 'lax', maxAge: 365 * 86400 * 1000, overwrite: true });
    }
    const care = ctx.query.care === '1' || ctx.query.care === '0' ? ctx.query.care === '1' : ctx.cookies.get('care') === '1';
    if (ctx.query.care === '1' || ctx.query.care === '0') {
      ctx.cookies.set('care', care ? '1' : '0', { httpOnly: true, sameSite: 'lax', maxAge: 365 * 86400 * 1000, overwrite: true });
    }
    const state = ctx.state as RequestState;
    state.requestId = requestId;
    state.locale = locale;
    state.care = care;
    state.ip = ctx.ip;
    // The child logger is made on first use: most requests never log (pino's child is not free).
    let child: Logger | undefined;
    Object.defineProperty(state, 'log', {
      configurable: true,
      enumerable: true,
      get: () => (child ??= logger.child({ reqId: requestId })),
      set: (value: Logger) => {
        child = value;
      },
    });
    ctx.set('X-Request-Id', requestId);
    if (!logger.isLevelEnabled('info')) return next();
    const started = performance.now();
    try {
      await next();
    } finally {
      const ms = Math.round((performance.now() - started) * 10) / 10;
      // The route a router matched (its pattern, e.g. /account/apps/:clientId), else the path with
      // secret segments replaced; never the query string (codes and tokens). The error page's 请求编号 is reqId.
      const matched = (ctx as { _matchedRoute?: unknown })._matchedRoute;
      const path = loggablePath(ctx.path);
      accessLine({ reqId: requestId, method: ctx.method, route: typeof matched === 'string' ? matched : path, path, status: ctx.status, ms }, 'request');
    }
  };
}
