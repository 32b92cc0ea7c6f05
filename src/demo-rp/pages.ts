// Rendering for the demo: its own nunjucks environment over views/demo-rp (autoescape on), its
// stylesheet, and strict security headers (no inline script anywhere; forms post to itself).

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import nunjucks from 'nunjucks';
import type { Context, Next } from 'koa';

function projectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i += 1) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'views', 'demo-rp'))) return dir;
    dir = dirname(dir);
  }
  throw new Error('demo-rp: project root (with views/demo-rp) not found');
}

export interface Pages {
  render(ctx: Context, template: string, model?: Record<string, unknown>, status?: number): void;
  /** GET /static/demo-rp.css */
  stylesheet(ctx: Context): void;
}

export function createPages(): Pages {
  const root = projectRoot();
  const env = new nunjucks.Environment(new nunjucks.FileSystemLoader(join(root, 'views', 'demo-rp')), { autoescape: true });
  const css = readFileSync(join(root, 'public', 'css', 'demo-rp.css'));
  return {
    render(ctx, template, model = {}, status = 200) {
      ctx.status = status;
      ctx.type = 'text/html; charset=utf-8';
      ctx.set('cache-control', 'no-store');
      ctx.body = env.render(template, model);
    },
    stylesheet(ctx) {
      ctx.type = 'text/css; charset=utf-8';
      ctx.set('cache-control', 'public, max-age=3600');
      ctx.body = css;
    },
  };
}

/** Security headers for every answer. `form-action` admits the issuer: the logout form redirects there. */
export function securityHeaders(issuer: string) {
  const issuerOrigin = new URL(issuer).origin;
  return async (ctx: Context, next: Next): Promise<void> => {
    ctx.set('content-security-policy', `default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self' ${issuerOrigin}; frame-ancestors 'none'; base-uri 'none'`);
    ctx.set('x-content-type-options', 'nosniff');
    ctx.set('referrer-policy', 'no-referrer');
    ctx.set('x-frame-options', 'DENY');
    await next();
  };
}
