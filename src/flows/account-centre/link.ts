// 账号关联 from the user centre: one attempt to link an upstream account (电子社保卡, 江苏政务, 支付宝)
// to the signed-in account. The flow is bound to this browser, the account and the centre session
// that started it; the `state` sent upstream names it with a MAC, and it is used up once.
//
// ```mermaid
// stateDiagram-v2
//   [*] --> started: 关联 pressed (state + PKCE for a redirect, or the e-SSC QR id)
//   started --> done: callback with the matching state, or the e-SSC QR authorised (then linked or refused)
// ```

import type { UpstreamName } from '../../domain/sign-in-methods.js';
import { defineFlow } from '../engine/definition.js';

export const accountLinkFlow = defineFlow({
  kind: 'account-link',
  initial: 'started',
  transitions: { started: ['done'], done: [] },
  ttlSeconds: 600,
});

export type AccountLinkState = keyof typeof accountLinkFlow.transitions;

export interface AccountLinkFacts extends Record<string, unknown> {
  method: UpstreamName;
  /** A hash of the centre session that started the attempt: another session cannot finish it. */
  session: string;
  /** e-SSC only: the platform's QR id and content (not secrets: the phone opens the content). */
  qrId?: string;
  qrContent?: string;
  qrExpiresAt?: string;
}
