// The user centre signs in through this provider as the first-party client `account-centre`:
// /account without a session redirects to the authorization endpoint (PKCE S256, state, nonce);
// /account/callback redeems the code in-process through the provider's AuthorizationCode model
// (same checks as the token endpoint: client, redirect_uri, PKCE, expiry, single use, nonce) and
// starts a server-side session (HttpOnly SameSite=Lax cookie holding a random value; only its hash
// is stored). No token is issued: the centre needs the account id, not API access.

import { createHash, createHmac } from 'node:crypto';
import type { Context, Next } from 'koa';
import { browserIdOf } from '../../http/csrf.js';
import { render } from '../../http/views.js';
import { FlowError } from '../../flows/engine/store.js';
import { accountSignInFlow, type AccountSignInFacts } from '../../flows/account-centre/states.js';
import { accountCentreClientId } from '../../oidc/clients-file.js';
import type { RouteDeps } from '../deps.js';
import { accountGuard, msg, type CentreState } from './context.js';
import { seeOther } from '../../http/redirect.js';
import { requestState } from '../../http/state.js';

export const accountCookie = '_jsrs_account';
const cookiePath = '/account';

const returnPath = /^\/account(\/[A-Za-z0-9_-]+)*$/;
const excludedReturns = new Set(['/account/callback', '/account/logout']);

export function accountSession(deps: RouteDeps) {
  const { config, services } = deps;
  const issuer = config.issuer.replace(/\/$/, '');
  const redirectUri = `${issuer}/account/callback`;
  const secure = config.env === 'production';
  const key = deps.secrets.keyring.current.keys.browserBinding;
  const derive = (label: string, flowId: string) => createHmac('sha256', key).update(`account-centre:${label}:${flowId}`).digest('base64url');
  const s256 = (verifier: string) => createHash('sha256').update(verifier).digest('base64url');
  const guard = accountGuard(deps);

  const clearCookie = (ctx: Context) => ctx.cookies.set(accountCookie, '', { httpOnly: true, sameSite: 'lax', secure, path: cookiePath, maxAge: 0, overwrite: true });

  /** Redirects the browser to the authorization endpoint, remembering where it was going. */
  const startSignIn = async (ctx: Context) => {
    const returnTo = ctx.method === 'GET' && returnPath.test(ctx.path) && !excludedReturns.has(ctx.path) ? ctx.path : '/account';
    const flow = await services.flows.start<'pending' | 'done', AccountSignInFacts>(accountSignInFlow, browserIdOf(ctx), { facts: { returnTo } });
    const url = new URL(`${issuer}/auth`);
    url.search = new URLSearchParams({
      client_id: accountCentreClientId,
      response_type: 'code',
      scope: 'openid',
      redirect_uri: redirectUri,
      state: flow.id,
      nonce: derive('nonce', flow.id),
      code_challenge: s256(derive('pkce', flow.id)),
      code_challenge_method: 'S256',
      ui_locales: (requestState(ctx)).locale,
    }).toString();
    seeOther(ctx, url.toString());
  };

  const failure = (ctx: Context, reason: string, status = 400) => {
    render(ctx, deps.views, 'account/signin-failed.njk', { message: msg(ctx, reason) }, status);
  };

  /** GET /account/callback?code&state[&iss] or ?error&state. */
  const callback = async (ctx: Context) => {
    const query = ctx.query as Record<string, unknown>;
    const str = (name: string) => (typeof query[name] === 'string' ? (query[name] as string).slice(0, 512) : '');
    let flow;
    try {
      flow = await services.flows.load<'pending' | 'done', AccountSignInFacts>(accountSignInFlow, str('state'), browserIdOf(ctx), ['pending']);
    } catch (err) {
      if (err instanceof FlowError) return failure(ctx, err.code);
      throw err;
    }
    if (str('error')) return failure(ctx, str('error') === 'access_denied' ? 'account.signin.denied' : 'account.signin.failed');
    if (str('iss') && str('iss') !== issuer && str('iss') !== config.issuer) return failure(ctx, 'account.signin.failed');
    const provider = deps.oidc.provider;
    const code = await provider.AuthorizationCode.find(str('code'));
    const valid =
      code !== undefined &&
      !(code as unknown as { consumed?: unknown }).consumed &&
      !code.isExpired &&
      code.clientId === accountCentreClientId &&
      code.redirectUri === redirectUri &&
      code.codeChallengeMethod === 'S256' &&
      code.codeChallenge === s256(derive('pkce', flow.id)) &&
      code.nonce === derive('nonce', flow.id) &&
      typeof code.accountId === 'string';
    if (!valid || !code) return failure(ctx, 'account.signin.failed');
    try {
      await code.consume(); // one conditional update: a code redeems once
    } catch {
      return failure(ctx, 'account.signin.failed');
    }
    const account = await services.accounts.getAccount(code.accountId as string);
    if (!account || account.status !== 'active') return failure(ctx, 'account.signin.failed', 403);
    await services.flows.advance(accountSignInFlow, flow, 'done', {}, { accountId: account.id });
    await openSession(ctx, account.id, flow.facts.returnTo);
  };

  /** Starts a centre session for `accountId` (already authenticated by the caller) and goes on to `returnTo`. */
  const openSession = async (ctx: Context, accountId: string, returnTo = '/account') => {
    const state = requestState(ctx);
    const { token } = await services.accountCentre.startSession(accountId, { ip: state.ip, userAgent: ctx.get('user-agent') });
    ctx.cookies.set(accountCookie, token, { httpOnly: true, sameSite: 'lax', secure, path: cookiePath, overwrite: true });
    seeOther(ctx, returnTo);
  };

  /** Loads the centre session (and re-reads the account) on every request; signs in when there is none. */
  const requireSession = async (ctx: Context, next: Next) => {
    if (ctx.path === '/account/callback') return next();
    const session = await services.accountCentre.resumeSession(ctx.cookies.get(accountCookie));
    const account = session ? await services.accounts.getAccount(session.accountId) : undefined;
    if (!session || !account || account.status !== 'active') {
      if (session) await services.accountCentre.endSession(session.idHash, session.accountId);
      if (ctx.cookies.get(accountCookie)) clearCookie(ctx);
      if (ctx.method === 'GET' || ctx.method === 'HEAD') return startSignIn(ctx);
      seeOther(ctx, '/account');
      return;
    }
    (ctx.state as { centre?: CentreState }).centre = { session, account };
    return next();
  };

  /** POST /account/logout: ends the centre session; offers RP-initiated logout of the provider session. */
  const logout = async (ctx: Context) => {
    await guard(ctx);
    const { session } = (ctx.state as { centre: CentreState }).centre;
    await services.accountCentre.endSession(session.idHash, session.accountId);
    clearCookie(ctx);
    const state = requestState(ctx);
    await services.audit.record({ event: 'account.centre_signed_out', outcome: 'success', subject: session.accountId, ip: state.ip, requestId: state.requestId });
    const endSession = new URL(`${issuer}/session/end`);
    endSession.search = new URLSearchParams({ client_id: accountCentreClientId, post_logout_redirect_uri: `${issuer}/account` }).toString();
    render(ctx, deps.views, 'account/logged-out.njk', { endSessionUrl: endSession.toString() });
  };

  return { requireSession, callback, logout, openSession };
}
