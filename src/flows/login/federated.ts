// Sign-in journeys around the upstreams: a federated attempt (redirect out, come back once) and
// the requirement a new upstream account meets before it continues: bind a phone.
//
// ```mermaid
// stateDiagram-v2
//   [*] --> started: 电子社保卡 / 江苏政务 / 支付宝 chosen (state, PKCE, QR id stored)
//   started --> done: callback with the matching state, or the e-SSC QR authorised
//   [*] --> required: new account without a verified phone (the upstream's number, if any, offered)
//   required --> code_sent: 获取验证码 (captcha ok, number free)
//   code_sent --> code_sent: 重新获取
//   code_sent --> done: 短信验证码 ok → phone bound → sign-in finishes
// ```

import type { UpstreamName } from '../../domain/sign-in-methods.js';
import { defineFlow } from '../engine/definition.js';

export const loginFederatedFlow = defineFlow({
  kind: 'login-federated',
  initial: 'started',
  transitions: { started: ['done'], done: [] },
  ttlSeconds: 900,
});

export interface LoginFederatedFacts extends Record<string, unknown> {
  method: UpstreamName;
  /** e-SSC only: the platform's QR id and content (not secrets: the phone opens the content). */
  qrId?: string;
  qrContent?: string;
  qrExpiresAt?: string;
}

/** The cipher's associated data of `BindPhoneFacts.offered.phoneEnvelope`. */
export const offeredPhoneAad = 'flows.login-bind-phone.offered-phone';

export const bindPhoneFlow = defineFlow({
  kind: 'login-bind-phone',
  initial: 'required',
  transitions: { required: ['code_sent'], code_sent: ['code_sent', 'done'], done: [] },
  ttlSeconds: 1800,
});

export interface BindPhoneFacts extends Record<string, unknown> {
  /** The amr the sign-in finishes with once the phone is bound. */
  amr: string[];
  phoneEnvelope?: string;
  maskedPhone?: string;
  /**
   * The number the upstream has on record (offered as 使用江苏政务登记的手机号 138****1234): sealed
   * like `phoneEnvelope`, shown only masked; choosing it still needs its SMS code.
   */
  offered?: { upstream: UpstreamName; phoneEnvelope: string; maskedPhone: string };
}
