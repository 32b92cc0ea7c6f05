// Asking a signed-in citizen to prove it is them again before a sensitive change or disclosure
// (the full document number, a new password, the real-name correction, the 权益单 amounts): the
// password, whose failures count towards the account's sign-in lockout, or a code to the bound phone.

import type { SmsTemplate } from '../adapters/sms/types.js';
import { formatTime } from '../domain/display-time.js';
import { maskPhone } from '../domain/masking.js';
import { AppError, ValidationError } from '../errors/app-error.js';
import { findPasswordHash } from '../repositories/account-credentials.js';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import type { AccountService } from './accounts.js';
import { accountLockoutKey, type Lockout } from './lockout.js';
import type { SmsCodeService } from './sms-codes.js';
import { verifySmsCode } from '../flows/steps/sms-code.js';

/** The SMS purposes a re-authentication code is sent for (each its own message and code). */
export type ReauthPurpose = Extract<SmsTemplate, 'reveal' | 'reauth' | 'rights'>;

export type ReauthProof = { method: 'pwd'; password: string } | { method: 'sms'; purpose: ReauthPurpose; code: string };

export interface Reauthentication {
  /** Which ways this account can prove itself: a password it has, a phone it has bound. */
  methods(accountId: string): Promise<{ password: boolean; sms: boolean; maskedPhone: string | undefined }>;
  /**
   * Throws ValidationError('account.password.current_wrong', 'current') for a wrong password (a
   * failure counted towards the lockout), AppError('signin.locked', 423, { until }) while locked,
   * ValidationError(the SMS-code step's message, 'code') for a refused code,
   * AppError('account.info.no_phone', 400) without a bound phone.
   */
  verify(accountId: string, proof: ReauthProof): Promise<void>;
  /** Sends a code to the bound phone after the graphical captcha; the SMS service's limits apply. Returns the masked phone. */
  sendCode(accountId: string, input: { purpose: ReauthPurpose; captchaId: string; captchaAnswer: string; pow: string; ip: string }): Promise<string>;
}

export function createReauthentication(deps: {
  db: Kysely<DB>;
  accounts: Pick<AccountService, 'getAccount' | 'verifyPassword'>;
  lockout: Pick<Lockout, 'attempt'>;
  smsCodes: Pick<SmsCodeService, 'send' | 'verify'>;
}): Reauthentication {
  const { accounts, lockout, smsCodes } = deps;

  const phoneOf = async (accountId: string): Promise<string> => {
    const phone = (await accounts.getAccount(accountId))?.phoneE164;
    if (!phone) throw new AppError('account.info.no_phone', 400);
    return phone;
  };

  return {
    async methods(accountId) {
      const [credential, account] = await Promise.all([findPasswordHash(deps.db, accountId), accounts.getAccount(accountId)]);
      return { password: credential !== undefined, sms: Boolean(account?.phoneE164), maskedPhone: account?.phoneE164 ? maskPhone(account.phoneE164) : undefined };
    },

    async verify(accountId, proof) {
      if (proof.method === 'pwd') {
        const password = proof.password;
        const outcome = await lockout.attempt(accountLockoutKey(accountId), async () => password !== '' && (await accounts.verifyPassword(accountId, password)));
        if (outcome.ok) return;
        if (outcome.reason === 'locked') throw new AppError('signin.locked', 423, { until: formatTime(outcome.until) });
        throw new ValidationError('account.password.current_wrong', 'current');
      }
      const phoneE164 = await phoneOf(accountId);
      const proven = await verifySmsCode(smsCodes, { purpose: proof.purpose, phoneE164, code: proof.code });
      if (!proven.ok) throw new ValidationError(proven.message, proven.field);
    },

    async sendCode(accountId, input) {
      const phoneE164 = await phoneOf(accountId);
      await smsCodes.send({ purpose: input.purpose, phoneE164, captchaId: input.captchaId, captchaAnswer: input.captchaAnswer, pow: input.pow, ip: input.ip, deliver: true });
      return maskPhone(phoneE164);
    },
  };
}
