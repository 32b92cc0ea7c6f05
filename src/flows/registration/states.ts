// Registration (web and app): identity fields and a phone proven by an SMS code, then the
// password; the account is created once.
//
// ```mermaid
// stateDiagram-v2
//   [*] --> code_sent: 获取验证码 (fields valid, captcha ok)
//   code_sent --> code_sent: 重新获取
//   code_sent --> completed: 注册 (code ok, account created)
//   completed --> signed_in: 进入个人用户中心 (/register only: the code just proved the phone; once)
// ```

import { defineFlow } from '../engine/definition.js';

export const registrationFlow = defineFlow({
  kind: 'registration',
  initial: 'code_sent',
  transitions: { code_sent: ['code_sent', 'completed'], completed: ['signed_in'], signed_in: [] },
  ttlSeconds: 1800,
});

export type RegistrationState = 'code_sent' | 'completed' | 'signed_in';

export interface RegistrationFacts extends Record<string, unknown> {
  /** Blind index of the phone the code went to: the final step must use the same number. */
  phoneIndex: string;
  maskedPhone: string;
  accountId?: string;
}
