// The user centre's journeys: signing in to /account through this provider (state = flow id, the
// PKCE verifier and nonce derived from it with a server key, so nothing secret is stored), and
// 更换手机号 (the old phone's code or a face check of the account's own identity, then a code to the
// new phone).
//
// ```mermaid
// stateDiagram-v2
//   [*] --> pending: /account without a session (redirect to the authorization endpoint)
//   pending --> done: /account/callback (code redeemed, session started)
// ```
//
// ```mermaid
// stateDiagram-v2
//   [*] --> old_code_sent: 获取验证码 (old phone, captcha ok)
//   [*] --> old_verified: account without a phone
//   [*] --> face: 人脸识别验证 (实名 or 实人 accounts only)
//   face --> face: retry
//   face --> old_verified: passed (asked server-side)
//   old_code_sent --> old_code_sent: 重新获取
//   old_code_sent --> old_verified: old code ok
//   old_verified --> new_code_sent: 获取验证码 (new phone, captcha ok, not taken)
//   new_code_sent --> new_code_sent: 重新获取 (same or another new number)
//   new_code_sent --> done: new code ok, phone replaced
// ```

import { defineFlow } from '../engine/definition.js';

export const accountSignInFlow = defineFlow({
  kind: 'account-signin',
  initial: 'pending',
  transitions: { pending: ['done'], done: [] },
  ttlSeconds: 1800,
});

export interface AccountSignInFacts extends Record<string, unknown> {
  /** Where to return inside /account after signing in. */
  returnTo: string;
}

export const changePhoneFlow = defineFlow({
  kind: 'account-change-phone',
  initial: 'old_code_sent',
  transitions: {
    old_code_sent: ['old_code_sent', 'old_verified'],
    face: ['face', 'old_verified'],
    old_verified: ['new_code_sent'],
    new_code_sent: ['new_code_sent', 'done'],
    done: [],
  },
  ttlSeconds: 900,
});
export type ChangePhoneState = keyof typeof changePhoneFlow.transitions;

export interface ChangePhoneFacts extends Record<string, unknown> {
  /** How the holder was proven: the old phone's code, or a face check (its certify id and URL). */
  verifiedBy?: 'sms' | 'face';
  certifyId?: string;
  certifyUrl?: string;
  /** The new number, encrypted (flows hold no clear PII), once a code went to it. */
  newPhoneEnvelope?: string;
  maskedNewPhone?: string;
}
