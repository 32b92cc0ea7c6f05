// 手机动态码: begin sends a code to a number (after the captcha and the send limits; a number without an
// account gets the same answer and no message) and opens a flow holding the number sealed; complete
// verifies the code once through the shared SMS-code step and writes the failure's audit record.

import { maskPhone } from '../domain/masking.js';
import { parseMobile } from '../domain/phone.js';
import { signInMethodInfo } from '../domain/sign-in-methods.js';
import { RateLimitedError, ValidationError } from '../errors/app-error.js';
import { FlowError } from '../flows/engine/store.js';
import { loginSmsFlow, type LoginSmsFacts } from '../flows/login/states.js';
import { smsCodeRefusal, verifySmsCode } from '../flows/steps/sms-code.js';
import type { PiiCipher } from '../services/crypto/index.js';
import type { Services } from '../services/index.js';
import type { Authenticator } from './types.js';

const phoneAad = 'flows.login-sms.phone';

export interface SmsSendInput {
  phone: string;
  captchaId: string;
  captcha: string;
  pow: string;
}

export function createSmsCodeAuthenticator(deps: {
  services: Pick<Services, 'accounts' | 'smsCodes' | 'flows' | 'audit'>;
  cipher: Pick<PiiCipher, 'encrypt' | 'decrypt'>;
}): Authenticator<{ flow: string; code: string }, SmsSendInput> {
  const { accounts, smsCodes, flows, audit } = deps.services;
  return {
    method: 'sms',
    async begin(context, input) {
      const raw = input?.phone ?? '';
      const values = { phone: raw };
      const phone = parseMobile(raw);
      if (!phone.ok) return { kind: 'failed', code: phone.code, field: 'phone', status: 400, values, audited: true };
      const accountId = await accounts.findAccountIdByPhone(phone.e164);
      try {
        await smsCodes.send({
          purpose: 'login',
          phoneE164: phone.e164,
          captchaId: input?.captchaId ?? '',
          captchaAnswer: input?.captcha ?? '',
          pow: input?.pow ?? '',
          ip: context.ip ?? '',
          deliver: accountId !== undefined,
        });
      } catch (err) {
        if (err instanceof ValidationError) return { kind: 'failed', code: err.code, field: err.field ?? 'captcha', status: 400, values, audited: true };
        if (err instanceof RateLimitedError) return { kind: 'failed', code: err.code, params: err.params, status: 429, values, audited: true };
        throw err;
      }
      const facts: LoginSmsFacts = { phoneEnvelope: deps.cipher.encrypt(phone.e164, phoneAad), maskedPhone: maskPhone(phone.e164) };
      const flow = await flows.start(loginSmsFlow, context.browserId, { facts, interactionUid: context.uid });
      return { kind: 'step', step: 'verify', flowId: flow.id, maskedPhone: facts.maskedPhone, notice: 'login.sms_sent' };
    },
    async complete(context, input) {
      let flow;
      try {
        flow = await flows.load<'code_sent' | 'done', LoginSmsFacts>(loginSmsFlow, input.flow, context.browserId, ['code_sent']);
        if (flow.interactionUid !== context.uid) throw new FlowError('not_found');
      } catch (err) {
        if (!(err instanceof FlowError)) throw err;
        return { kind: 'failed', code: err.code, status: 400, audited: true };
      }
      const phoneE164 = deps.cipher.decrypt(flow.facts.phoneEnvelope, phoneAad);
      const proven = await verifySmsCode(smsCodes, { purpose: 'login', phoneE164, code: input.code });
      const account = proven.ok ? await accounts.getAccountByPhone(phoneE164) : undefined;
      if (!account) {
        await audit.record({ event: 'signin.sms', outcome: 'failure', ip: context.ip ?? '', requestId: context.requestId ?? '', details: { outcome: proven.ok ? 'ok' : proven.outcome, phone: flow.facts.maskedPhone } });
        // A proven code for a number without an account is told as a wrong code (no enumeration).
        const refusal = proven.ok ? smsCodeRefusal('invalid') : proven;
        return { kind: 'step', step: refusal.resend ? 'send' : 'verify', flowId: flow.id, maskedPhone: flow.facts.maskedPhone, refusal: { code: refusal.message }, status: 401 };
      }
      await flows.advance(loginSmsFlow, flow, 'done');
      return { kind: 'identified', accountId: account.id, amr: [...signInMethodInfo.sms.amr], account };
    },
  };
}
