// 实名用户 → 实人用户 from the user centre: one face check of the account's own identity.
//
// ```mermaid
// stateDiagram-v2
//   [*] --> face: 开始人脸识别
//   face --> face: retry
//   face --> done: passed (asked server-side), proof recorded
// ```

import { defineFlow } from '../engine/definition.js';

export const accountFaceFlow = defineFlow({
  kind: 'account-face',
  initial: 'face',
  transitions: { face: ['face', 'done'], done: [] },
  ttlSeconds: 1800,
});

export type AccountFaceState = keyof typeof accountFaceFlow.transitions;

export interface AccountFaceFacts extends Record<string, unknown> {
  /** The verifier's id of the check and the URL the phone opens, once it started. */
  certifyId?: string;
  certifyUrl?: string;
  /** Who the check is of (identity-levels' key): a pass proves that identity, whichever the account holds later. */
  identityKey?: string;
}
