// The demo 人社 service as a Koa app: a home page with three business items, each gated by the
// acr it needs (checked here, in the demo's own code, whatever the provider returned), the OIDC
// callback, and RP-initiated logout. Built with createDemoRp(); main.ts gives it a port.

import { randomBytes } from 'node:crypto';
import Koa from 'koa';
import type { Context } from 'koa';
import Router from '@koa/router';
import * as client from 'openid-client';
import { businessDataFor } from './business-data.js';
import { createCaseDesk, ratingLevelLabels } from './cases.js';
import { findItem, items, type BusinessItem } from './items.js';
import { acrLabel, acrSatisfies, amrLabels, identityLevelLabels } from './levels.js';
import { createPages, securityHeaders } from './pages.js';
import { createRelyingParty } from './relying-party.js';
import { createSessionStore, type SignedIn } from './session.js';

export interface DemoRpOptions {
  /** The provider's issuer (discovery at issuer + /.well-known/openid-configuration). */
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Where the demo is reached, e.g. http://localhost:3001 (redirect: baseUrl/callback). */
  baseUrl: string;
  /** Keys signing the session cookie; random per process when absent. */
  cookieKeys?: string[];
  /** Called with failures the citizen only sees as a friendly page (default: console.error). */
  onError?: (message: string) => void;
}

const certTypeLabels: Record<string, string> = {
  '01': '居民身份证',
  '04': '港澳居民来往内地通行证（香港）',
  '05': '港澳居民来往内地通行证（澳门）',
  '06': '台湾居民来往大陆通行证',
  '07': '外国人永久居留身份证',
  '08': '外国人护照',
  '11': '港澳台居民居住证',
};

function claimRows(login: SignedIn): Array<{ label: string; value: string }> {
  const c = login.claims;
  const rows = [
    { label: '姓名', value: c.name ?? '（未授权）' },
    { label: '账号等级 (identity_level)', value: c.identityLevel ? `${identityLevelLabels[c.identityLevel] ?? c.identityLevel}（${c.identityLevel}）` : '（无）' },
    { label: '本次认证等级 (acr)', value: `${acrLabel(login.acr)}（${login.acr ?? '无'}）` },
    { label: '认证方式 (amr)', value: c.amr.map((v) => `${amrLabels[v] ?? v}（${v}）`).join('、') || '（无）' },
  ];
  if (c.authTime) rows.push({ label: '认证时间', value: new Date(c.authTime * 1000).toLocaleString('zh-CN', { timeZone: 'Asia/Shanghai', hour12: false }) });
  if (c.certType) rows.push({ label: '证件类型', value: certTypeLabels[c.certType] ?? c.certType });
  if (c.idNumberMasked) rows.push({ label: '证件号码', value: c.idNumberMasked });
  return rows;
}

function satisfies(login: SignedIn | undefined, item: BusinessItem): login is SignedIn {
  return Boolean(login && acrSatisfies(login.acr, item.requiredAcr) && item.scopes.every((s) => login.scopes.includes(s)));
}

async function readForm(ctx: Context, limit = 4096): Promise<URLSearchParams> {
  if (!ctx.is('application/x-www-form-urlencoded')) return new URLSearchParams();
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) ctx.throw(413);
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

export function createDemoRp(options: DemoRpOptions): Koa {
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const report = options.onError ?? ((message: string) => console.error(`demo-rp: ${message}`));
  const rp = createRelyingParty({
    issuer: options.issuer,
    clientId: options.clientId,
    clientSecret: options.clientSecret,
    redirectUri: `${baseUrl}/callback`,
    postLogoutRedirectUri: `${baseUrl}/`,
  });
  const sessions = createSessionStore({ secure: baseUrl.startsWith('https:') });
  const pages = createPages();
  const accountUrl = `${options.issuer.replace(/\/+$/, '')}/account`;
  const desk = createCaseDesk({ issuer: options.issuer, clientId: options.clientId, baseUrl, configuration: rp.configuration });
  const levelOf = (item: BusinessItem) => acrLabel(item.requiredAcr);

  const router = new Router();

  router.get('/', (ctx) => {
    const session = sessions.load(ctx);
    const login = session?.login;
    pages.render(ctx, 'home.njk', {
      items: items.map((item) => ({ ...item, level: levelOf(item), allowed: satisfies(login, item) })),
      login: login ? { name: login.claims.name, acr: acrLabel(login.acr) } : undefined,
      csrf: session?.csrf,
    });
  });

  router.get('/static/demo-rp.css', (ctx) => pages.stylesheet(ctx));
  router.get('/favicon.ico', (ctx) => {
    ctx.status = 204;
  });

  router.get('/items/:id', async (ctx) => {
    const item = findItem(ctx.params.id);
    if (!item) return pages.render(ctx, 'error.njk', { title: '页面不存在', message: '没有找到这项业务。' }, 404);
    const session = sessions.ensure(ctx);
    if (satisfies(session.login, item)) {
      return pages.render(ctx, 'item.njk', {
        item: { ...item, level: levelOf(item) },
        claims: claimRows(session.login),
        data: businessDataFor(item.id, session.login.sub),
        csrf: session.csrf,
      });
    }
    // Not signed in, or not at the level this item needs: ask the provider for it.
    const request = await rp.start(item.scopes, item.requiredAcr);
    session.pending.set(request.state, { itemId: item.id, scopes: item.scopes, codeVerifier: request.codeVerifier, nonce: request.nonce, createdAt: Date.now() });
    ctx.redirect(request.url.href);
  });

  // 办件: apply for an item (a case 办理中 at the provider), see it, complete it as simulated staff.
  router.post('/items/:id/apply', async (ctx) => {
    const form = await readForm(ctx);
    const item = findItem(ctx.params.id);
    const session = sessions.load(ctx);
    if (!item || !session || form.get('_csrf') !== session.csrf || !satisfies(session.login, item)) {
      return pages.render(ctx, 'error.njk', { title: '请求无效', message: '页面已过期，请返回首页后重试。' }, 403);
    }
    try {
      const created = await desk.apply(session.login.sub, item.title);
      ctx.status = 303;
      ctx.redirect(`/cases/${created.caseNo}`);
    } catch (err) {
      report(`case not reported: ${(err as Error).message}`);
      pages.render(ctx, 'error.njk', { title: '申请未提交', message: '暂时无法登记办件，请稍后再试。' }, 502);
    }
  });

  const ownCase = (ctx: Context) => {
    const session = sessions.load(ctx);
    const found = desk.find(String(ctx.params.no ?? ''));
    return session?.login && found && found.sub === session.login.sub ? { session, found } : undefined;
  };

  router.get('/cases/:no', (ctx) => {
    const own = ownCase(ctx);
    if (!own) return pages.render(ctx, 'error.njk', { title: '办件不存在', message: '没有找到这个办件，或请先登录。' }, 404);
    const { found, session } = own;
    pages.render(ctx, 'case.njk', {
      c: { ...found, statusLabel: found.status === 'completed' ? '已办结' : '办理中' },
      rating: found.rating ? { ...found.rating, levelLabel: ratingLevelLabels[found.rating.level] ?? found.rating.level } : undefined,
      centreUrl: `${accountUrl}/cases?status=pending_rating`,
      csrf: session.csrf,
    });
  });

  router.post('/cases/:no/complete', async (ctx) => {
    const form = await readForm(ctx);
    const own = ownCase(ctx);
    if (!own || form.get('_csrf') !== own.session.csrf) return pages.render(ctx, 'error.njk', { title: '请求无效', message: '页面已过期，请返回首页后重试。' }, 403);
    try {
      await desk.complete(own.found.caseNo);
    } catch (err) {
      report(`case not completed: ${(err as Error).message}`);
      return pages.render(ctx, 'error.njk', { title: '办结未完成', message: '暂时无法更新办件，请稍后再试。' }, 502);
    }
    ctx.status = 303;
    ctx.redirect(`/cases/${own.found.caseNo}`);
  });

  /** The provider's rating events (a signed JWT, application/secevent+jwt): 202 when verified and filed. */
  router.post('/webhooks/case-rating', async (ctx) => {
    if (!ctx.is('application/secevent+jwt')) {
      ctx.status = 415;
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > 16 * 1024) ctx.throw(413);
      chunks.push(chunk);
    }
    const accepted = await desk.receiveRating(Buffer.concat(chunks).toString('utf8'));
    ctx.status = accepted ? 202 : 400;
    ctx.body = accepted ? '' : 'rejected';
  });

  router.get('/callback', async (ctx) => {
    const callbackUrl = new URL(ctx.originalUrl, baseUrl);
    const state = callbackUrl.searchParams.get('state') ?? '';
    const session = sessions.load(ctx);
    const pending = state ? session?.pending.get(state) : undefined;
    const item = findItem(pending?.itemId);
    if (!session || !pending || !item) {
      return pages.render(ctx, 'error.njk', { title: '登录请求已失效', message: '这次登录不是从本页面发起的，或已超时。请返回首页重新办理。' }, 400);
    }
    session.pending.delete(state);
    let login: SignedIn;
    try {
      login = await rp.finish(callbackUrl, { state, pending });
    } catch (err) {
      if (err instanceof client.AuthorizationResponseError) {
        if (err.error === 'access_denied' || err.error === 'unmet_authentication_requirements') {
          return pages.render(ctx, 'refused.njk', {
            item: { ...item, level: levelOf(item) },
            reason: 'provider',
            // the page words the two codes in Chinese; the provider's English description is for logs, never the citizen
            error: err.error,
            accountUrl,
          }, 403);
        }
        report(`sign-in refused: ${err.error}${err.error_description ? `: ${err.error_description}` : ''}`);
        return pages.render(ctx, 'error.njk', { title: '登录未完成', message: '统一身份认证平台未能完成这次登录，请返回首页重试。' }, 400);
      }
      report(`sign-in failed: ${(err as Error).message}`);
      return pages.render(ctx, 'error.njk', { title: '登录未完成', message: '登录结果校验未通过，请返回首页重试。' }, 400);
    }
    const fresh = sessions.rotate(ctx, session);
    fresh.login = login;
    // The provider should never answer with less than we asked for; we check it anyway.
    if (!acrSatisfies(login.acr, item.requiredAcr)) {
      return pages.render(ctx, 'refused.njk', {
        item: { ...item, level: levelOf(item) },
        reason: 'acr',
        obtained: acrLabel(login.acr),
        accountUrl,
        csrf: fresh.csrf,
      }, 403);
    }
    ctx.status = 303;
    ctx.redirect(`/items/${item.id}`);
  });

  router.post('/logout', async (ctx) => {
    const form = await readForm(ctx);
    const session = sessions.load(ctx);
    if (!session) {
      ctx.status = 303;
      return ctx.redirect('/');
    }
    if (form.get('_csrf') !== session.csrf) {
      return pages.render(ctx, 'error.njk', { title: '请求无效', message: '页面已过期，请返回首页后重试。' }, 403);
    }
    const signedIn = session.login !== undefined;
    sessions.destroy(ctx);
    ctx.status = 303;
    ctx.redirect(signedIn ? (await rp.endSessionUrl()).href : '/');
  });

  const app = new Koa();
  app.keys = options.cookieKeys?.length ? options.cookieKeys : [randomBytes(32).toString('base64url')];
  app.use(securityHeaders(options.issuer));
  app.use(async (ctx, next) => {
    try {
      await next();
      if (ctx.status === 404 && !ctx.body) pages.render(ctx, 'error.njk', { title: '页面不存在', message: '您访问的页面不存在。' }, 404);
    } catch (err) {
      const status = (err as { status?: number }).status;
      if (status && status < 500) return pages.render(ctx, 'error.njk', { title: '请求无效', message: '请求无法处理，请返回首页重试。' }, status);
      report(`${ctx.method} ${ctx.path}: ${(err as Error).message}`);
      pages.render(ctx, 'error.njk', { title: '服务暂不可用', message: '暂时无法连接统一身份认证平台，请稍后再试。' }, 502);
    }
  });
  app.use(router.routes()).use(router.allowedMethods());
  return app;
}
