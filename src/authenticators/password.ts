// 账号密码: a phone or document number and a password, checked by the password sign-in service (which
// counts failures towards the lockout and writes the audit record); nothing to begin.

import { signInMethodInfo } from '../domain/sign-in-methods.js';
import type { Lockout } from '../services/lockout.js';
import type { PasswordSignIn } from '../services/password-sign-in.js';
import type { AuthOutcome, Authenticator } from './types.js';

/** From how many remaining tries on the refusal says how many are left (the third failure at the default five). */
const warnWhenRemaining = 2;

export function createPasswordAuthenticator(deps: { passwordSignIn: PasswordSignIn; lockout: Pick<Lockout, 'lockSeconds'> }): Authenticator<{ account: string; password: string }> {
  return {
    method: 'password',
    async begin() {
      return { kind: 'step', step: 'send' };
    },
    async complete(context, { account, password }): Promise<AuthOutcome> {
      const values = { account };
      if (!account || !password) return { kind: 'failed', code: 'login.invalid_credentials', status: 400, values, audited: true };
      const result = await deps.passwordSignIn.signIn({
        identifier: account,
        password,
        ip: context.ip ?? '',
        requestId: context.requestId ?? '',
        ...(context.clientId ? { clientId: context.clientId } : {}),
      });
      if (result.ok) return { kind: 'identified', accountId: result.accountId, amr: [...signInMethodInfo.password.amr], ...(result.account ? { account: result.account } : {}) };
      if (result.reason === 'locked') return { kind: 'failed', code: 'login.locked', params: { until: result.until }, status: 423, values, audited: true };
      // an unknown identifier is counted and answered the same way
      if (result.remaining <= warnWhenRemaining) {
        const hours = Math.max(1, Math.round(deps.lockout.lockSeconds / 3600));
        return { kind: 'failed', code: 'login.invalid_credentials_remaining', params: { remaining: result.remaining, hours }, status: 401, values, audited: true };
      }
      return { kind: 'failed', code: 'login.invalid_credentials', status: 401, values, audited: true };
    },
  };
}
