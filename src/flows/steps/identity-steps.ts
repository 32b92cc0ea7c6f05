// What the identity journeys (忘记密码, 用户申诉, the staff desk) share: the identity as typed on the
// identity form, the steps' dependencies and context, the outcome a step comes to, and how an SMS
// send's refusal becomes one.

import { RateLimitedError, ValidationError, type ErrorParams } from '../../errors/app-error.js';
import type { MessageKey } from '../../i18n/index.js';
import type { ProvenDocument } from '../../services/account-recovery.js';
import type { BlindIndex } from '../../services/crypto/index.js';
import type { Services } from '../../services/index.js';

/** An identity as typed on the identity form (证件类型, 证件号码, the normalised 姓名). */
export type TypedIdentity = ProvenDocument & { name: string };

/** What the recovery and appeal steps use: the services, and how a typed identity is kept in a flow (sealed). */
export interface IdentityStepDeps {
  services: Services;
  blindIndex: BlindIndex;
  identities: { seal(identity: TypedIdentity): string; open(envelope: string): TypedIdentity };
}

/** Who asks, for the audit trail and per-IP limits. */
export interface StepContext {
  ip: string;
  requestId: string;
}

/**
 * What a recovery or appeal step comes to: the flow moved on (its page shows the next state), the
 * journey ended (its message, and whether 注册 is offered), refused fields (i18n codes), or a refusal
 * for the whole form (a limit reached). `values` refill the form.
 */
export type StepOutcome =
  | { kind: 'next' }
  | { kind: 'done'; message?: MessageKey; registerLink?: boolean }
  | { kind: 'fieldErrors'; fields: Record<string, MessageKey>; status: number; values?: Record<string, string> }
  | { kind: 'refused'; code: MessageKey; params?: ErrorParams; status: number; values?: Record<string, string> };

/** An SMS send's captcha or proof refused (400, on the captcha field), or its limits reached (429); else undefined. */
export function sendRefusal(err: unknown, values?: Record<string, string>): StepOutcome | undefined {
  const refill = values ? { values } : {};
  if (err instanceof ValidationError) return { kind: 'fieldErrors', fields: { captcha: err.code }, status: 400, ...refill };
  if (err instanceof RateLimitedError) return { kind: 'refused', code: err.code, params: err.params, status: 429, ...refill };
  return undefined;
}
