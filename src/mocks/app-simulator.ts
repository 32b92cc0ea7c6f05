// /dev/app (development only, mounted by src/routes/index.ts outside production): plays the 江苏智慧人社
// app. It signs in honestly through this provider's authorization endpoint as the native public client
// `jsrs-app` (PKCE, prompt=login), keeps the access token in a cookie scoped to /dev/app, and calls the
// real app API over HTTP (/api/app/qr/scan, confirm, cancel) with it: open or paste a QR link, see the client, confirm or cancel.

import { createHash, randomBytes } from 'node:crypto';
import Router from '@koa/router';
import type { Context } from 'koa';
import { field } from '../http/body.js';
import { render } from '../http/views.js';
import { t } from '../i18n/index.js';
import { ticketTokenOf } from '../pages/qr-ticket.js';
import { formGuardFor, type RouteDeps } from '../pages/deps.js';
import { seeOther } from '../http/redirect.js';
import { requestState } from '../http/state.js';

const tokenCookie = '_jsrs_devapp';
const authCookie = '_jsrs_devapp_auth';
const cookiePath = '/dev/app';

interface ApiAnswer {
  status: number;
  body: { state?: string; client_name?: string; error?: string; message?: string };
}

/** The simulator's router at /dev/app. Throws in production, where it must never be mounted. */
export function appSimulatorRoutes(deps: RouteDeps): Router {
  const { config } = deps;
  if (config.env === 'production') throw new Error('the app simulator is refused in production');
  const router = new Router({ prefix: '/dev/app' });
  const issuer = config.issuer.replace(/\/+$/, '');
  const redirectUri = `${issuer}/dev/app/callback`;
  const guard = formGuardFor(deps);
  const cookieOptions = { httpOnly: true, sameSite: 'lax' as const, signed: true, path: cookiePath, overwrite: true };
  const locale = (ctx: Context) => (requestState(ctx)).locale;

  async function callApi(action: 'scan' | 'confirm' | 'cancel', accessToken: string, ticket: string): Promise<ApiAnswer> {
    const response = await fetch(`${issuer}/api/app/qr/${action}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ ticket }),
      signal: AbortSignal.timeout(5000),
    });
    return { status: response.status, body: (await response.json()) as ApiAnswer['body'] };
  }

  const page = (ctx: Context, model: { ticket?: string; answer?: ApiAnswer; done?: string }) => {
    const signedIn = Boolean(ctx.cookies.get(tokenCookie, { signed: true }));
    render(ctx, deps.views, 'dev/app.njk', {
      signedIn,
      ticket: model.ticket ?? '',
      clientName: model.answer?.body.client_name,
      state: model.answer?.body.state,
      error: model.answer && model.answer.status >= 400 ? (model.answer.body.message ?? model.answer.body.error) : undefined,
      done: model.done,
      actions: { login: `${cookiePath}/login`, open: `${cookiePath}/open`, confirm: `${cookiePath}/confirm`, cancel: `${cookiePath}/cancel`, logout: `${cookiePath}/logout` },
    });
  };

  router.get('/', async (ctx) => {
    const ticket = ticketTokenOf(ctx.query.ticket);
    const accessToken = ctx.cookies.get(tokenCookie, { signed: true });
    if (!ticket || !accessToken) return page(ctx, { ticket });
    const answer = await callApi('scan', accessToken, ticket);
    if (answer.status === 401) ctx.cookies.set(tokenCookie, null, cookieOptions);
    return page(ctx, { ticket, answer });
  });

  router.post('/open', async (ctx) => {
    const form = await guard(ctx);
    seeOther(ctx, `${cookiePath}?ticket=${encodeURIComponent(ticketTokenOf(field(form, 'ticket', 512)))}`);
  });

  router.post('/login', async (ctx) => {
    const form = await guard(ctx);
    const verifier = randomBytes(32).toString('base64url');
    const state = randomBytes(16).toString('base64url');
    const ticket = ticketTokenOf(field(form, 'ticket', 512));
    ctx.cookies.set(authCookie, Buffer.from(JSON.stringify({ verifier, state, ticket })).toString('base64url'), { ...cookieOptions, maxAge: 10 * 60 * 1000 });
    const url = new URL(`${issuer}/auth`);
    url.search = new URLSearchParams({
      client_id: config.appClient.clientId,
      response_type: 'code',
      scope: 'openid profile phone',
      redirect_uri: redirectUri,
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
      state,
      prompt: 'login',
    }).toString();
    seeOther(ctx, url.href);
  });

  router.get('/callback', async (ctx) => {
    const raw = ctx.cookies.get(authCookie, { signed: true });
    ctx.cookies.set(authCookie, null, cookieOptions);
    let saved: { verifier?: string; state?: string; ticket?: string } = {};
    try {
      saved = raw ? (JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as typeof saved) : {};
    } catch {
      saved = {};
    }
    const code = typeof ctx.query.code === 'string' ? ctx.query.code : '';
    if (!saved.state || ctx.query.state !== saved.state || !code || !saved.verifier) return page(ctx, { done: t(locale(ctx), 'devapp.login_failed') });
    const response = await fetch(`${issuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: saved.verifier, client_id: config.appClient.clientId }),
      signal: AbortSignal.timeout(5000),
    });
    const tokens = (await response.json()) as { access_token?: string };
    if (!response.ok || !tokens.access_token) return page(ctx, { done: t(locale(ctx), 'devapp.login_failed') });
    ctx.cookies.set(tokenCookie, tokens.access_token, cookieOptions);
    seeOther(ctx, saved.ticket ? `${cookiePath}?ticket=${encodeURIComponent(saved.ticket)}` : cookiePath);
  });

  for (const action of ['confirm', 'cancel'] as const) {
    router.post(`/${action}`, async (ctx) => {
      const form = await guard(ctx);
      const ticket = ticketTokenOf(field(form, 'ticket', 512));
      const accessToken = ctx.cookies.get(tokenCookie, { signed: true });
      if (!accessToken) return page(ctx, { ticket });
      const answer = await callApi(action, accessToken, ticket);
      return page(ctx, { answer, done: answer.status < 400 ? t(locale(ctx), action === 'confirm' ? 'devapp.confirmed' : 'devapp.cancelled') : undefined });
    });
  }

  router.post('/logout', async (ctx) => {
    await guard(ctx);
    ctx.cookies.set(tokenCookie, null, cookieOptions);
    seeOther(ctx, cookiePath);
  });

  return router;
}
