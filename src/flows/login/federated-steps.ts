// The federated sign-in steps around the upstream authenticators: which attempt an upstream's
// callback belongs to (a sign-in's interaction, a 账号关联 of this browser, or none: audited), and
// what an e-SSC QR poll tells the waiting page.

import { signInMethodInfo, type UpstreamName } from '../../domain/sign-in-methods.js';
import type { Audit } from '../../services/audit.js';

/** The state checks of the federated round trips (the authenticators' FederatedState). */
export interface CallbackStates {
  /** The interaction a sign-in's state was issued for, to this browser and method; undefined otherwise. */
  interactionOf(state: string, browserId: string, method: UpstreamName): Promise<string | undefined>;
  /** Whether the state is one a 账号关联 issued for this method. */
  isLinkState(state: string, method: UpstreamName): boolean;
}

export type CallbackTarget =
  /** A sign-in: completed under its interaction's path (the interaction cookie is path-scoped). */
  | { kind: 'interaction'; uid: string }
  /** A 账号关联 of the user centre: completed there. */
  | { kind: 'link' }
  /** No attempt of this browser: refused (audited as the method's failed sign-in). */
  | { kind: 'refused'; code: 'login.federated_state_invalid'; status: 400 };

/** Where an upstream's callback with `state` goes: its sign-in, its 账号关联, or a refusal recorded as state_mismatch. */
export async function callbackTarget(
  deps: { states: CallbackStates; audit: Audit },
  input: { method: UpstreamName; state: string; browserId: string; ip: string },
): Promise<CallbackTarget> {
  const { method, state } = input;
  const uid = await deps.states.interactionOf(state, input.browserId, method);
  if (uid) return { kind: 'interaction', uid };
  if (deps.states.isLinkState(state, method)) return { kind: 'link' };
  await deps.audit.record({ event: signInMethodInfo[method].auditEvent, outcome: 'failure', ip: input.ip, details: { reason: 'state_mismatch' } });
  return { kind: 'refused', code: 'login.federated_state_invalid', status: 400 };
}

/** What the e-SSC page's poll answers: the QR's state, the message key (its `{method}` is e-SSC's name), whether to submit. */
export interface EsscPollAnswer {
  state: string;
  code: string;
  submit: boolean;
}

/** The poll's answer for the QR's state, or for a refused or vanished attempt ('failed' with its message). */
export function esscPollAnswer(polled: { state: string } | { kind: string; code?: string }): EsscPollAnswer {
  if ('state' in polled) return { state: polled.state, code: `login.essc.${polled.state}`, submit: polled.state === 'authorized' };
  return { state: 'failed', code: polled.kind === 'failed' && polled.code !== undefined ? polled.code : 'flow.invalid', submit: false };
}
