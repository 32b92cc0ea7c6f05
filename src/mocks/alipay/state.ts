// In-memory state of the mock Alipay: pending authorisations (the page a browser is on), single-use
// auth codes (60 s) and access/refresh tokens. Lost on restart, which is fine for a mock.

import { createHash, randomBytes } from 'node:crypto';
import type { Clock } from '../../domain/clock.js';

/** An Alipay user of the fixtures (`upstream-accounts.json` key `alipay`, as `loadUpstreamAccounts()` reads it). */
export interface AlipayAccountFixture {
  userId: string;
  login: string;
  password: string;
  nickName: string;
  certified: boolean;
  idNumber?: string;
  name?: string;
}

export interface PendingAuthorization {
  appId: string;
  scope: string;
  redirectUri: string;
  state: string | undefined;
  expiresAt: number;
}

interface Grant {
  appId: string;
  userId: string;
  scope: string;
  expiresAt: number;
}

export const authCodeTtlMs = 60_000;
export const pendingTtlMs = 10 * 60_000;
export const accessTokenTtlSeconds = 3600;
export const refreshTokenTtlSeconds = 30 * 24 * 3600;

const hex = (bytes: number): string => randomBytes(bytes).toString('hex');

/** A stable per-app open_id for a user (Alipay issues a different open_id to each app). */
export function openIdFor(appId: string, userId: string): string {
  return `074${createHash('sha256').update(`${appId}:${userId}`).digest('hex').slice(0, 44)}`;
}

export function createAlipayState(clock: Clock) {
  const pending = new Map<string, PendingAuthorization>();
  const codes = new Map<string, Grant>();
  const accessTokens = new Map<string, Grant>();
  const refreshTokens = new Map<string, Grant>();
  const now = (): number => clock.now().getTime();

  /** Takes a live entry out of `map` (single use); undefined when absent or expired. */
  const take = <T extends { expiresAt: number }>(map: Map<string, T>, key: string): T | undefined => {
    const entry = map.get(key);
    map.delete(key);
    return entry && entry.expiresAt > now() ? entry : undefined;
  };

  const issueTokens = (grant: Omit<Grant, 'expiresAt'>) => {
    const accessToken = `authusrB${hex(16)}`;
    const refreshToken = `authusrB${hex(16)}`;
    accessTokens.set(accessToken, { ...grant, expiresAt: now() + accessTokenTtlSeconds * 1000 });
    refreshTokens.set(refreshToken, { ...grant, expiresAt: now() + refreshTokenTtlSeconds * 1000 });
    return { accessToken, refreshToken, userId: grant.userId };
  };

  return {
    startAuthorization(entry: Omit<PendingAuthorization, 'expiresAt'>): string {
      const sid = hex(16);
      pending.set(sid, { ...entry, expiresAt: now() + pendingTtlMs });
      return sid;
    },
    findAuthorization(sid: string): PendingAuthorization | undefined {
      const entry = pending.get(sid);
      return entry && entry.expiresAt > now() ? entry : undefined;
    },
    /** Completes a pending authorisation for a user: the sid is consumed, a 60 s auth code issued. */
    approve(sid: string, userId: string): { code: string; authorization: PendingAuthorization } | undefined {
      const authorization = take(pending, sid);
      if (!authorization) return undefined;
      const code = hex(16);
      codes.set(code, { appId: authorization.appId, userId, scope: authorization.scope, expiresAt: now() + authCodeTtlMs });
      return { code, authorization };
    },
    /** Redeems an auth code once, for the app it was issued to. */
    redeemCode(appId: string, code: string) {
      const grant = take(codes, code);
      return grant && grant.appId === appId ? issueTokens(grant) : undefined;
    },
    /** Exchanges a refresh token (rotated) for new tokens. */
    refresh(appId: string, refreshToken: string) {
      const grant = take(refreshTokens, refreshToken);
      return grant && grant.appId === appId ? issueTokens(grant) : undefined;
    },
    /** The grant behind a live access token of `appId`; 'expired' / undefined otherwise. */
    findAccessToken(appId: string, token: string): Grant | 'expired' | undefined {
      const grant = accessTokens.get(token);
      if (!grant || grant.appId !== appId) return undefined;
      return grant.expiresAt > now() ? grant : 'expired';
    },
  };
}

export type AlipayState = ReturnType<typeof createAlipayState>;
