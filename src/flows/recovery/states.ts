// 忘记密码: identify (证件类型, 证件号码, 姓名) → choose a factor (face or an SMS code to the
// account's phone, shown masked) → new password. Unknown or mismatching identities walk the same
// pages with the same answers until a factor is proven.
//
// ```mermaid
// stateDiagram-v2
//   [*] --> choose: identify
//   choose --> sms_sent: 短信验证码 (captcha, limits)
//   sms_sent --> sms_sent: resend
//   choose --> face: 人脸识别
//   face --> face: retry
//   sms_sent --> verified: code ok (account known)
//   face --> verified: face passed (account known)
//   verified --> done: new password set
// ```

import { defineFlow } from '../engine/definition.js';

export const recoveryFlow = defineFlow({
  kind: 'recovery',
  initial: 'choose',
  transitions: {
    choose: ['sms_sent', 'face'],
    sms_sent: ['sms_sent', 'verified', 'face'],
    face: ['face', 'verified', 'sms_sent'],
    verified: ['done'],
    done: [],
  },
  ttlSeconds: 1800,
});

export type RecoveryState = keyof typeof recoveryFlow.transitions;

export interface RecoveryFacts extends Record<string, unknown> {
  /** The typed identity, encrypted (used for the face check). */
  identityEnvelope: string;
  maskedPhone: string;
  interactionUid?: string;
  certifyId?: string;
  certifyUrl?: string;
}
