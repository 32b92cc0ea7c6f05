// Step-up inside an authorization request: the client asked for a higher acr than this sign-in
// has, so the citizen proves what is missing — the real-name check, then a live face check.
//
// ```mermaid
// stateDiagram-v2
//   [*] --> real_name: level below 实名
//   [*] --> face: 实名, needs 实人 or a face check now
//   real_name --> real_name: registry mismatch, try again
//   real_name --> face: registry match, still short
//   real_name --> done: registry match is enough
//   face --> face: new face check (failed or expired)
//   face --> done: face check passed (asked server-side)
//   done --> [*]: back to the client with the higher acr
// ```

import { defineFlow } from '../engine/definition.js';

export const stepUpFlow = defineFlow({
  kind: 'step-up',
  initial: 'real_name',
  transitions: { real_name: ['real_name', 'face', 'done'], face: ['face', 'done'], done: [] },
  ttlSeconds: 1800,
});

export type StepUpState = keyof typeof stepUpFlow.transitions;

export interface StepUpFacts extends Record<string, unknown> {
  requiredAcr: string;
  certifyId?: string;
  certifyUrl?: string;
  /** Who the check is of (identity-levels' key): a pass proves that identity, whichever the account holds later. */
  identityKey?: string;
  faceVerified?: boolean;
}
