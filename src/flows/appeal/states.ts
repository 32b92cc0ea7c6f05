// 用户申诉: identify (证件类型, 证件号码, 姓名) → face check of that identity → the outcome of the
// appeal type: take over the account holding the document (new password), reclaim a phone (SMS
// code to it), or remove the family binding of the document. A failed face check changes nothing.
//
// ```mermaid
// stateDiagram-v2
//   [*] --> face: identify
//   face --> face: retry
//   face --> verified: face passed
//   verified --> phone_code: 移动电话被占用 (code sent to the phone)
//   phone_code --> phone_code: resend
//   verified --> done: takeover password set / family binding removed
//   phone_code --> done: phone proven and moved
// ```

import { defineFlow } from '../engine/definition.js';

export const appealTypes = ['document', 'phone', 'family'] as const;
export type AppealType = (typeof appealTypes)[number];

export const appealFlow = defineFlow({
  kind: 'appeal',
  initial: 'face',
  transitions: { face: ['face', 'verified'], verified: ['phone_code', 'done'], phone_code: ['phone_code', 'done'], done: [] },
  ttlSeconds: 1800,
});

export type AppealState = keyof typeof appealFlow.transitions;

export interface AppealFacts extends Record<string, unknown> {
  type: AppealType;
  identityEnvelope: string;
  certifyId?: string;
  certifyUrl?: string;
  phoneEnvelope?: string;
  maskedPhone?: string;
}
