// The mock 江苏政务 authorisation pages: GET /oauth2/authorize validates the request (client,
// exact redirect_uri, response_type=code, state, PKCE S256), then 用户名/密码 login
// (POST /oauth2/login) and 授权/拒绝 consent (GET/POST /oauth2/consent), then back to the client.

import type Koa from 'koa';
import { readForm } from '../shared/body.js';
import { renderMockPage } from '../shared/render.js';
import type { JszwAccount, JszwClient } from './accounts.js';
import type { JszwMockState } from './state.js';

export interface JszwAuthorizeDeps {
  state: JszwMockState;
  accounts: readonly JszwAccount[];
  clients: readonly JszwClient[];
  baseUrl: string;
}

const sessionCookie = 'jszw_sid';

function queryParam(ctx: Koa.Context, name: string): string {
  const value = ctx.query[name];
  return typeof value === 'string' ? value : '';
}

function redirectBack(ctx: Koa.Context, redirectUri: string, params: Record<string, string>): void {
  const target = new URL(redirectUri);
  for (const [key, value] of Object.entries(params)) if (value) target.searchParams.set(key, value);
  ctx.status = 303;
  ctx.redirect(target.href);
}

export function createJszwAuthorizePages(deps: JszwAuthorizeDeps): Koa.Middleware {
  const { state } = deps;
  const base = deps.baseUrl.replace(/\/+$/, '');
  const cookiePath = new URL(base).pathname || '/';
  const urls = { login: `${base}/oauth2/login`, consent: `${base}/oauth2/consent` };

  const errorPage = (ctx: Koa.Context, status: number, text: string) => {
    ctx.status = status;
    renderMockPage(ctx, 'mocks/jszw/error.njk', { text });
  };
  const loginPage = (ctx: Koa.Context, flow: string, error?: string, username = '') => {
    ctx.status = error ? 401 : 200;
    renderMockPage(ctx, 'mocks/jszw/login.njk', { action: urls.login, flow, error, username });
  };
  const consentPage = (ctx: Koa.Context, flow: string, username: string, clientId: string) => {
    const account = deps.accounts.find((a) => a.username === username);
    ctx.status = 200;
    renderMockPage(ctx, 'mocks/jszw/consent.njk', { action: urls.consent, flow, clientId, name: account?.name ?? username });
  };
  const currentUser = (ctx: Koa.Context) => state.sessionUser(ctx.cookies.get(sessionCookie, { signed: false }));

  async function authorize(ctx: Koa.Context): Promise<void> {
    const clientId = queryParam(ctx, 'client_id');
    const redirectUri = queryParam(ctx, 'redirect_uri');
    const client = deps.clients.find((c) => c.clientId === clientId);
    if (!client) return errorPage(ctx, 400, '应用未登记（client_id 无效）。');
    if (!client.redirectUris.includes(redirectUri)) return errorPage(ctx, 400, '回调地址与登记的不一致（redirect_uri 无效）。');
    const stateParam = queryParam(ctx, 'state');
    const fail = (error: string, description: string) =>
      redirectBack(ctx, redirectUri, { error, error_description: description, state: stateParam });
    if (queryParam(ctx, 'response_type') !== 'code') return fail('unsupported_response_type', 'response_type must be code');
    if (!stateParam) return fail('invalid_request', 'state is required');
    const codeChallenge = queryParam(ctx, 'code_challenge');
    if (queryParam(ctx, 'code_challenge_method') !== 'S256' || !/^[A-Za-z0-9_-]{43}$/.test(codeChallenge)) {
      return fail('invalid_request', 'PKCE with code_challenge_method=S256 is required');
    }
    const flow = state.addPending({ clientId, redirectUri, state: stateParam, codeChallenge, scope: queryParam(ctx, 'scope') });
    const user = currentUser(ctx);
    return user ? consentPage(ctx, flow, user, clientId) : loginPage(ctx, flow);
  }

  async function login(ctx: Koa.Context): Promise<void> {
    const form = await readForm(ctx);
    const flow = form['flow'] ?? '';
    if (!state.pending(flow)) return errorPage(ctx, 400, '登录请求已过期，请返回应用重新发起。');
    const username = form['username'] ?? '';
    const account = deps.accounts.find((a) => a.username === username && a.password === (form['password'] ?? ''));
    if (!account) return loginPage(ctx, flow, '用户名或密码错误', username);
    ctx.cookies.set(sessionCookie, state.openSession(account.username), {
      signed: false,
      httpOnly: true,
      sameSite: 'lax',
      path: cookiePath,
    });
    ctx.status = 303;
    ctx.redirect(`${urls.consent}?flow=${encodeURIComponent(flow)}`);
  }

  async function consent(ctx: Koa.Context): Promise<void> {
    const form = ctx.method === 'POST' ? await readForm(ctx) : {};
    const flow = ctx.method === 'POST' ? (form['flow'] ?? '') : queryParam(ctx, 'flow');
    const pending = state.pending(flow);
    if (!pending) return errorPage(ctx, 400, '授权请求已过期，请返回应用重新发起。');
    const user = currentUser(ctx);
    if (!user) return loginPage(ctx, flow);
    if (ctx.method === 'GET') return consentPage(ctx, flow, user, pending.clientId);
    if (form['action'] !== 'allow' && form['action'] !== 'deny') return errorPage(ctx, 400, '请选择授权或拒绝。');
    state.dropPending(flow);
    if (form['action'] === 'deny') {
      return redirectBack(ctx, pending.redirectUri, { error: 'access_denied', state: pending.state });
    }
    const code = state.issueCode({
      clientId: pending.clientId,
      redirectUri: pending.redirectUri,
      codeChallenge: pending.codeChallenge,
      username: user,
    });
    return redirectBack(ctx, pending.redirectUri, { code, state: pending.state });
  }

  return async (ctx, next) => {
    if (ctx.path === '/oauth2/authorize' && ctx.method === 'GET') return authorize(ctx);
    if (ctx.path === '/oauth2/login' && ctx.method === 'POST') return login(ctx);
    if (ctx.path === '/oauth2/consent' && (ctx.method === 'GET' || ctx.method === 'POST')) return consent(ctx);
    return next();
  };
}
