// The one interface every sign-in method implements (账号密码, 手机动态码, 扫码 and the three upstreams):
// begin and complete take parsed input and return a tagged outcome (redirect upstream, show a step,
// pending, identified, an upstream assertion, or a refusal with its parameters). The interaction
// router names the method and pages/interaction/settle.ts turns outcomes into responses.

import { signInMethodInfo, type SignInMethod, type UpstreamName } from '../domain/sign-in-methods.js';
import type { AccountView } from '../services/accounts.js';
import type { UpstreamAssertion } from '../services/upstream-links.js';

/** Who is signing in where: the interaction and the browser (flows are bound to it), from which address. */
export interface AttemptContext {
  uid: string;
  browserId: string;
  clientId: string | null;
  /** The client address (per-IP limits, audit) and the request id (audit); absent where a method needs neither. */
  ip?: string;
  requestId?: string;
}

/** A message to show with a step: an i18n key, its parameters (dates are shown in the page's locale), the field it belongs to. */
export interface Refusal {
  code: string;
  params?: Record<string, string | number | Date>;
  field?: string;
}

/** Who is linking an upstream account from the user centre: the signed-in account, its centre session, the browser. */
export interface LinkContext {
  accountId: string;
  /** The centre session's id (its hash); the attempt is bound to it. */
  sessionId: string;
  browserId: string;
}

export type AuthOutcome =
  | { kind: 'redirect'; url: string }
  /** Waiting for a phone; `ticket` is the QR ticket a QR sign-in just issued. */
  | { kind: 'pending'; state: string; ticket?: { ticketId: string; url: string; expiresAt: Date } }
  /** `account`: the account as the method just read it, when it did (the sign-in reads it once). */
  | { kind: 'identified'; accountId: string; amr: string[]; account?: AccountView }
  | { kind: 'asserted'; assertion: UpstreamAssertion; amr: string[] }
  /** Show this step of the method's form (the SMS code's 'verify' after a send), with its view facts and, after a refused input, why. */
  | { kind: 'step'; step: 'send' | 'verify'; flowId?: string; maskedPhone?: string; values?: Record<string, string>; notice?: string; refusal?: Refusal; status?: number }
  /**
   * A refusal: `code` is an i18n key (with `params`, on `field` when it belongs to one), `values` refill
   * the form; `unavailable` means the upstream failed (offer the other methods); `audited` means the
   * method wrote its own audit record (or none is due), so the page adds none.
   */
  | ({ kind: 'failed'; status: number; values?: Record<string, string>; unavailable?: boolean; audited?: boolean } & Refusal);

export interface Authenticator<Input = Record<string, string>, BeginInput = Record<string, never>> {
  readonly method: SignInMethod;
  begin(context: AttemptContext, input?: BeginInput): Promise<AuthOutcome>;
  complete(context: AttemptContext, input: Input): Promise<AuthOutcome>;
}

/**
 * An upstream method that can also link its account to a signed-in account (账号关联): the same
 * round trip as sign-in, bound to the account instead of an interaction. `beginLink` answers a
 * redirect (upstream, or the e-SSC QR page at `qrPage`); `completeLink` an assertion or a failure.
 */
export interface UpstreamLinking<Input = Record<string, string>> {
  beginLink(link: LinkContext, qrPage: (flowId: string) => string): Promise<AuthOutcome>;
  completeLink(link: LinkContext, input: Input): Promise<AuthOutcome>;
}

/** What an upstream asserted, as the outcome of a completed round trip (fields it did not send stay out). */
export function assertedBy(
  upstream: UpstreamName,
  identity: { subject: string; name?: string | undefined; certType?: string | undefined; idNumber?: string | undefined; phone?: string | undefined },
  level: UpstreamAssertion['level'],
): AuthOutcome {
  return {
    kind: 'asserted',
    amr: [...signInMethodInfo[upstream].amr],
    assertion: {
      upstream,
      subject: identity.subject,
      level,
      ...(identity.name ? { name: identity.name } : {}),
      ...(identity.certType ? { certType: identity.certType } : {}),
      ...(identity.idNumber ? { idNumber: identity.idNumber } : {}),
      ...(identity.phone ? { phone: identity.phone } : {}),
    },
  };
}

/** The outcome of an upstream failure (down, slow, garbage): the page offers the other methods. */
export const upstreamUnavailable = (): AuthOutcome => ({ kind: 'failed', code: 'login.upstream_unavailable', status: 503, unavailable: true });

/**
 * An upstream that answered with a clear refusal (a used or unknown code: Alipay `error_response`,
 * an OAuth error at 江苏政务, an e-SSC platform code) fails this attempt; anything else (down, slow,
 * 5xx, bad signature, garbage) makes the method unavailable right now.
 */
export function upstreamFailure(err: { cause?: unknown }): AuthOutcome {
  const cause = err.cause as { reason?: unknown; message?: unknown } | undefined;
  const refused =
    cause?.reason === 'gateway_error' ||
    (typeof cause?.message === 'string' && (/^jszw: (token|userinfo): [a-z_]+$/.test(cause.message) || /^essc: platform code E2\d{3}/.test(cause.message)));
  return refused ? { kind: 'failed', code: 'login.federated_failed', status: 400 } : upstreamUnavailable();
}
