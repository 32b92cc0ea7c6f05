// The tagged results the user centre's steps return, and the refusal an error becomes: an i18n code
// (with its parameters, on a field or above the form) and the status; the centre's pages translate it.

import { AppError, UpstreamError, ValidationError } from '../../errors/app-error.js';
import type { ReauthProof } from '../../services/reauthentication.js';
import { smsCodeNeedsResend } from '../steps/sms-code.js';

/** Who did it, from where: the audit context of a user-centre change. */
export interface ChangeContext {
  actor: string;
  ip: string;
  requestId: string;
}

/** Why a step did not go through: an i18n code with its parameters, the field it belongs to, the status. */
export interface Refused {
  kind: 'refused';
  code: string;
  params?: Record<string, string | number>;
  field?: string;
  status: number;
}

/** A step that went through, with nothing more to say than that. */
export interface Done {
  kind: 'done';
}

export const done: Done = { kind: 'done' };

/** A refusal of the step itself (not from an error). */
export function refused(code: string, status: number, field?: string, params?: Record<string, string | number>): Refused {
  return { kind: 'refused', code, status, ...(field ? { field } : {}), ...(params ? { params } : {}) };
}

/**
 * The refusal a page shows for an AppError, or undefined for anything the error handler must see
 * (not an AppError, or a server fault: a 5xx shows only when an upstream or the registry is down).
 */
export function refusalOf(err: unknown): Refused | undefined {
  if (!(err instanceof AppError)) return undefined;
  if (err.status >= 500 && !(err instanceof UpstreamError) && err.code !== 'account.family.registry_unavailable') return undefined;
  const field = (err as { field?: unknown }).field;
  return refused(err.code, err.status, typeof field === 'string' ? field : undefined, err.params);
}

/** Runs `action`; an error a page shows becomes its refusal, anything else is rethrown. */
export async function attempt<T>(action: () => Promise<T>): Promise<{ kind: 'ok'; value: T } | Refused> {
  try {
    return { kind: 'ok', value: await action() };
  } catch (err) {
    const refusal = refusalOf(err);
    if (!refusal) throw err;
    return refusal;
  }
}

/** A refused step behind the re-authentication block: also the way that was used, and whether the code sent is still offered. */
export interface ReauthRefused extends Refused {
  method: ReauthProof['method'];
  codeSent: boolean;
}

/**
 * The refusal of a step behind the re-authentication block, or undefined for anything to rethrow.
 * A wrong code may be tried again; an expired or exhausted one needs a new code.
 */
export function reauthRefusalOf(proof: ReauthProof, err: unknown): ReauthRefused | undefined {
  const refusal = refusalOf(err);
  if (!refusal) return undefined;
  const codeSent = proof.method === 'sms' && !(err instanceof ValidationError && smsCodeNeedsResend(err.code));
  return { ...refusal, method: proof.method, codeSent };
}
