// Browser side of the mock Alipay: the publicAppAuthorize.htm page (QR code + account form), the
// phone page the QR code opens, and the form post that redirects back with an auth_code.

import type { Context } from 'koa';
import QRCode from 'qrcode';
import { readForm } from '../shared/body.js';
import { renderMockPage } from '../shared/render.js';
import type { AlipayAccountFixture, AlipayState, PendingAuthorization } from './state.js';

export const alipayScopes = ['auth_user', 'auth_base'] as const;

export interface AlipayPagesDeps {
  state: AlipayState;
  accounts: readonly AlipayAccountFixture[];
  baseUrl(): string;
  /** The registered app, or undefined; `redirectUriPrefix` restricts its callbacks when set. */
  findApp(appId: string): { appId: string; name?: string; redirectUriPrefix?: string } | undefined;
}

function renderError(ctx: Context, status: number, code: string, message: string): void {
  ctx.status = status;
  renderMockPage(ctx, 'mocks/alipay/error.njk', { code, message });
}

export function createAlipayPages(deps: AlipayPagesDeps) {
  const { state, accounts } = deps;
  const accountHints = accounts.map(({ login, password, nickName, certified }) => ({ login, password, nickName, certified }));

  async function renderLogin(ctx: Context, sid: string, from: 'pc' | 'phone', extra: { error?: string; login?: string } = {}) {
    const base = deps.baseUrl();
    const authorization = state.findAuthorization(sid);
    const app = authorization ? deps.findApp(authorization.appId) : undefined;
    const model = {
      sid,
      from,
      formAction: `${base}/oauth2/authorize.htm`,
      appName: app?.name ?? authorization?.appId ?? '',
      accounts: accountHints,
      error: extra.error,
      login: extra.login ?? '',
    };
    if (from === 'phone') return renderMockPage(ctx, 'mocks/alipay/phone.njk', model);
    const phoneUrl = `${base}/mobile/authorize.htm?sid=${encodeURIComponent(sid)}`;
    const svg = await QRCode.toString(phoneUrl, { type: 'svg', margin: 1 });
    const qrDataUrl = `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`;
    renderMockPage(ctx, 'mocks/alipay/authorize.njk', { ...model, phoneUrl, qrDataUrl });
  }

  /** GET /oauth2/publicAppAuthorize.htm?app_id&scope&redirect_uri&state */
  async function authorizePage(ctx: Context): Promise<void> {
    const q = (name: string): string | undefined => (typeof ctx.query[name] === 'string' ? ctx.query[name] : undefined);
    const appId = q('app_id') ?? '';
    const app = deps.findApp(appId);
    if (!app) return renderError(ctx, 400, 'invalid-app-id', '应用不存在或 app_id 无效');
    const scope = q('scope') ?? '';
    const scopes = scope.split(',');
    if (!scope || !scopes.every((s) => (alipayScopes as readonly string[]).includes(s))) {
      return renderError(ctx, 400, 'invalid-scope', 'scope 参数无效');
    }
    const redirectUri = q('redirect_uri') ?? '';
    if (!/^https?:\/\//.test(redirectUri) || !URL.canParse(redirectUri)) {
      return renderError(ctx, 400, 'invalid-redirect-uri', 'redirect_uri 参数无效');
    }
    if (app.redirectUriPrefix && !redirectUri.startsWith(app.redirectUriPrefix)) {
      return renderError(ctx, 400, 'invalid-redirect-uri', 'redirect_uri 与应用配置的授权回调地址不一致');
    }
    const authState = q('state');
    if (authState !== undefined && authState.length > 512) return renderError(ctx, 400, 'invalid-state', 'state 参数过长');
    const sid = state.startAuthorization({ appId, scope, redirectUri, state: authState });
    await renderLogin(ctx, sid, 'pc');
  }

  /** GET /mobile/authorize.htm?sid — what the phone opens after scanning the QR code. */
  async function phonePage(ctx: Context): Promise<void> {
    const sid = typeof ctx.query.sid === 'string' ? ctx.query.sid : '';
    if (!state.findAuthorization(sid)) return renderError(ctx, 400, 'expired', '二维码已失效，请返回应用重新发起授权');
    await renderLogin(ctx, sid, 'phone');
  }

  /** POST /oauth2/authorize.htm — account + password; success redirects to redirect_uri with auth_code. */
  async function authorize(ctx: Context): Promise<void> {
    const form = await readForm(ctx);
    const sid = form.sid ?? '';
    const from = form.from === 'phone' ? 'phone' : 'pc';
    if (!state.findAuthorization(sid)) return renderError(ctx, 400, 'expired', '授权请求已失效，请返回应用重新发起授权');
    const account = accounts.find((a) => a.login === form.login && a.password === form.password);
    if (!account) {
      ctx.status = 400;
      return renderLogin(ctx, sid, from, { error: '账号或密码错误', login: form.login ?? '' });
    }
    const approved = state.approve(sid, account.userId);
    if (!approved) return renderError(ctx, 400, 'expired', '授权请求已失效，请返回应用重新发起授权');
    ctx.status = 303;
    ctx.redirect(callbackUrl(approved.authorization, approved.code));
  }

  return { authorizePage, phonePage, authorize };
}

function callbackUrl(authorization: PendingAuthorization, code: string): string {
  const url = new URL(authorization.redirectUri);
  url.searchParams.set('app_id', authorization.appId);
  url.searchParams.set('source', 'alipay_wallet');
  url.searchParams.set('scope', authorization.scope);
  url.searchParams.set('auth_code', code);
  if (authorization.state !== undefined) url.searchParams.set('state', authorization.state);
  return url.toString();
}
