// `POST /gateway.do` of the mock Alipay: alipay.system.oauth.token (authorization_code and
// refresh_token grants) and alipay.user.info.share, with the real error shapes and codes.

import type { Context } from 'koa';
import { formatGatewayTimestamp } from '../../adapters/upstreams/alipay-signing.js';
import type { Clock } from '../../domain/clock.js';
import type { GatewayChecker, GatewayErrorBody, GatewayRequest } from './gateway-kit.js';
import {
  accessTokenTtlSeconds,
  openIdFor,
  refreshTokenTtlSeconds,
  type AlipayAccountFixture,
  type AlipayState,
} from './state.js';

export const alipayMethods = ['alipay.system.oauth.token', 'alipay.user.info.share'] as const;

const codeInvalid: GatewayErrorBody = { code: '40002', msg: 'Invalid Arguments', sub_code: 'isv.code-invalid', sub_msg: '授权码code无效' };
const refreshInvalid: GatewayErrorBody = { code: '40002', msg: 'Invalid Arguments', sub_code: 'isv.refresh-token-invalid', sub_msg: '刷新令牌refresh_token无效' };
const grantTypeInvalid: GatewayErrorBody = { code: '40002', msg: 'Invalid Arguments', sub_code: 'isv.grant-type-invalid', sub_msg: 'grant_type参数不正确' };
const tokenInvalid: GatewayErrorBody = { code: '20001', msg: 'Insufficient Token Permissions', sub_code: 'aop.invalid-auth-token', sub_msg: '无效的访问令牌' };
const tokenExpired: GatewayErrorBody = { code: '20001', msg: 'Insufficient Token Permissions', sub_code: 'aop.auth-token-time-out', sub_msg: '访问令牌已过期' };
const scopeInsufficient: GatewayErrorBody = { code: '40006', msg: 'Insufficient Permissions', sub_code: 'isv.insufficient-user-permissions', sub_msg: '用户授权权限不足' };

export interface AlipayGatewayDeps {
  checker: GatewayChecker;
  state: AlipayState;
  accounts: readonly AlipayAccountFixture[];
  /** Which id each app receives: open_id (new apps, default) or the legacy user_id. */
  subjectTypeOf(appId: string): 'open_id' | 'user_id';
  clock: Clock;
}

export function createAlipayGatewayHandler(deps: AlipayGatewayDeps) {
  const { checker, state, accounts } = deps;
  const subjectOf = (appId: string, userId: string): Record<string, string> =>
    deps.subjectTypeOf(appId) === 'user_id' ? { user_id: userId } : { open_id: openIdFor(appId, userId) };

  function oauthToken(ctx: Context, { appId, method, params }: GatewayRequest): void {
    const grantType = params.grant_type;
    const issued =
      grantType === 'authorization_code'
        ? state.redeemCode(appId, params.code ?? '')
        : grantType === 'refresh_token'
          ? state.refresh(appId, params.refresh_token ?? '')
          : undefined;
    if (!issued) {
      checker.error(ctx, grantType === 'authorization_code' ? codeInvalid : grantType === 'refresh_token' ? refreshInvalid : grantTypeInvalid);
      return;
    }
    checker.success(
      ctx,
      method,
      {
        ...subjectOf(appId, issued.userId),
        access_token: issued.accessToken,
        expires_in: accessTokenTtlSeconds,
        refresh_token: issued.refreshToken,
        re_expires_in: refreshTokenTtlSeconds,
        auth_start: formatGatewayTimestamp(deps.clock.now()),
      },
      true,
    );
  }

  function userInfoShare(ctx: Context, { appId, method, params }: GatewayRequest): void {
    const grant = state.findAccessToken(appId, params.auth_token ?? '');
    if (grant === undefined) return checker.methodError(ctx, method, tokenInvalid);
    if (grant === 'expired') return checker.methodError(ctx, method, tokenExpired);
    if (!grant.scope.split(',').includes('auth_user')) return checker.methodError(ctx, method, scopeInsufficient);
    const account = accounts.find((a) => a.userId === grant.userId);
    if (!account) return checker.methodError(ctx, method, tokenInvalid);
    const certified = account.certified && Boolean(account.name && account.idNumber);
    checker.success(ctx, method, {
      ...subjectOf(appId, account.userId),
      nick_name: account.nickName,
      avatar: '',
      user_type: '2',
      user_status: 'T',
      is_certified: certified ? 'T' : 'F',
      ...(certified ? { cert_type: '0', cert_no: account.idNumber, user_name: account.name } : {}),
    });
  }

  return async function gateway(ctx: Context): Promise<void> {
    const params = await checker.readParams(ctx);
    const checked = checker.check(params, alipayMethods);
    if ('error' in checked) {
      checker.error(ctx, checked.error, checked.error.sub_code !== 'isv.invalid-app-id' && checked.error.sub_code !== 'isv.missing-app-id');
      return;
    }
    if (checked.request.method === 'alipay.system.oauth.token') oauthToken(ctx, checked.request);
    else userInfoShare(ctx, checked.request);
  };
}
