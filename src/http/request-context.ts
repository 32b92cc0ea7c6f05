// First middleware of every request: a request id (echoed as X-Request-Id), a child logger that
// carries it, the locale (explicit ?lang= remembered in a cookie, else Accept-Language), access log.

import { randomUUID } from 'node:crypto';
import type { Middleware } from 'koa';
import type { Logger } from '../log/logger.js';
import { negotiateLocale } from '../i18n/index.js';
import type { RequestState } from './state.js';

const incomingId = /^[A-Za-z0-9._-]{8,64}$/;

export function requestContext(logger: Logger): Middleware {
  return async (ctx, next) => {
    const header = ctx.get('x-request-id');
    const requestId = incomingId.test(header) ? header : randomUUID();
    const explicit = typeof ctx.query.lang === 'string' ? ctx.query.lang : ctx.cookies.get('lang');
    const locale = negotiateLocale(explicit, ctx.get('accept-language'));
    if (typeof ctx.query.lang === 'string' && ctx.query.lang === locale) {
      ctx.cookies.set('lang', locale, { httpOnly: true, sameSite: 'lax', maxAge: 365 * 86400 * 1000, overwrite: true });
    }
    const state = ctx.state as RequestState;
    state.requestId = requestId;
    state.locale = locale;
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
    if (!logger.isLevelEnabled('debug')) return next();
    const started = performance.now();
    try {
      await next();
    } finally {
      const ms = Math.round((performance.now() - started) * 10) / 10;
      // Path only: query strings can carry codes and tokens.
      state.log.debug({ method: ctx.method, path: ctx.path, status: ctx.status, ms }, 'request');
    }
  };
}
