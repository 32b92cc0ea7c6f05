// Security headers on every response: CSP with a per-request nonce (no unsafe-inline), no framing,
// no sniffing, a strict referrer policy, and HSTS in production.

import { randomBytes } from 'node:crypto';
import type { Middleware } from 'koa';
import type { RequestState } from './state.js';

export function securityHeaders(options: { production: boolean }): Middleware {
  return async (ctx, next) => {
    const nonce = randomBytes(16).toString('base64');
    (ctx.state as RequestState).nonce = nonce;
    ctx.set(
      'Content-Security-Policy',
      [
        "default-src 'self'",
        `script-src 'self' 'nonce-${nonce}'`,
        `style-src 'self' 'nonce-${nonce}'`,
        "img-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
      ].join('; '),
    );
    ctx.set('X-Frame-Options', 'DENY');
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.set('Referrer-Policy', 'no-referrer');
    ctx.set('Cross-Origin-Opener-Policy', 'same-origin');
    ctx.set('Permissions-Policy', 'camera=(), microphone=(), geolocation=()');
    if (options.production) ctx.set('Strict-Transport-Security', 'max-age=31536000; includeSubDomains');
    await next();
  };
}

/**
 * The protocol endpoints' headers (JSON only: discovery, JWKS, token, userinfo ...): nothing may
 * load, frame or sniff them; the same strings every time, so nothing is computed per request.
 */
export function apiSecurityHeaders(options: { production: boolean }): Middleware {
  const headers: [string, string][] = [
    ['Content-Security-Policy', "default-src 'none'; frame-ancestors 'none'"],
    ['X-Frame-Options', 'DENY'],
    ['X-Content-Type-Options', 'nosniff'],
    ['Referrer-Policy', 'no-referrer'],
    ...(options.production ? [['Strict-Transport-Security', 'max-age=31536000; includeSubDomains'] as [string, string]] : []),
  ];
  return async (ctx, next) => {
    for (const [name, value] of headers) ctx.set(name, value);
    (ctx.state as RequestState).nonce = '';
    await next();
  };
}

/** Marks responses of sensitive pages (interaction, account, flows) as never to be cached. */
export const noStore: Middleware = async (ctx, next) => {
  await next();
  ctx.set('Cache-Control', 'no-store');
  ctx.set('Pragma', 'no-cache');
};

/**
 * Production only, after the health routes: a request that did not arrive over https (as told by
 * the proxy) is sent to the https issuer (GET/HEAD) or refused, never answered with cookies.
 */
export function requireHttps(issuer: string): Middleware {
  const base = issuer.replace(/\/+$/, '');
  return async (ctx, next) => {
    if (ctx.secure) return next();
    if (ctx.method === 'GET' || ctx.method === 'HEAD') {
      ctx.status = 308;
      ctx.redirect(`${base}${ctx.originalUrl}`);
      ctx.status = 308;
      return;
    }
    ctx.status = 403;
    ctx.type = 'text/plain; charset=utf-8';
    ctx.body = 'https required';
  };
}
