// The guard every state-changing page route runs first: a per-IP limit on POSTs, then the
// bounded form body, then the CSRF check. Returns the parsed form.

import type { Context } from 'koa';
import { RateLimitedError } from '../errors/app-error.js';
import type { RateLimiter } from '../services/rate-limiter.js';
import { readForm } from './body.js';
import { requireCsrf } from './csrf.js';

export interface FormGuard {
  (ctx: Context): Promise<Record<string, string>>;
}

export function createFormGuard(deps: { rateLimiter: RateLimiter; postsPerIpPerMinute: number; csrfKey: Buffer; issuer: string }): FormGuard {
  const issuerOrigin = new URL(deps.issuer).origin;
  return async (ctx) => {
    await limitPostsPerIp(ctx, deps.rateLimiter, deps.postsPerIpPerMinute);
    const form = await readForm(ctx);
    requireCsrf(ctx, form, deps.csrfKey, issuerOrigin);
    return form;
  };
}

/** Throws RateLimitedError when this IP made too many POSTs in the last minute. */
export async function limitPostsPerIp(ctx: Context, rateLimiter: RateLimiter, perMinute: number): Promise<void> {
  const decision = await rateLimiter.hit({ bucket: `post:ip:${ctx.ip}`, limit: perMinute, windowSeconds: 60 });
  if (!decision.ok) throw new RateLimitedError(decision.retryAfterSeconds);
}
