// Serves the stylesheet, scripts and images under /static from public/ (no directory listing, no
// path escape, a day of caching).

import { readFile } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import type { Middleware } from 'koa';
import { publicDir } from '../paths.js';

const types: Record<string, string> = {
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

export function staticFiles(): Middleware {
  const cache = new Map<string, Buffer>();
  return async (ctx, next) => {
    if (!ctx.path.startsWith('/static/') || (ctx.method !== 'GET' && ctx.method !== 'HEAD')) return next();
    const relative = normalize(ctx.path.slice('/static/'.length));
    const type = types[extname(relative)];
    if (!type || relative.startsWith('..') || relative.includes(`${sep}..`)) return next();
    const file = join(publicDir, relative);
    let body = cache.get(file);
    if (!body) {
      try {
        body = await readFile(file);
      } catch {
        return next();
      }
      cache.set(file, body);
    }
    ctx.type = type;
    ctx.set('Cache-Control', 'public, max-age=86400');
    ctx.body = body;
  };
}
