// The SMS sign-in journey on the login page: a code is sent to a number, then verified once.
//
// ```mermaid
// stateDiagram-v2
//   [*] --> code_sent: 获取验证码 (captcha ok, limits ok)
//   code_sent --> code_sent: 重新获取
//   code_sent --> done: 短信验证码 ok
// ```

import { defineFlow } from '../engine/definition.js';

export const loginSmsFlow = defineFlow({
  kind: 'login-sms',
  initial: 'code_sent',
  transitions: { code_sent: ['code_sent', 'done'], done: [] },
  ttlSeconds: 600,
});

export interface LoginSmsFacts extends Record<string, unknown> {
  /** The number the code went to, encrypted (flows hold no clear PII). */
  phoneEnvelope: string;
  maskedPhone: string;
}
