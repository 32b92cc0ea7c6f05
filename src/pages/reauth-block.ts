// The re-authentication block every sensitive form shares (views/macros/reauth.njk): the current
// password, or a code sent to the bound phone after a captcha; its view model and the parsing of
// what the citizen posted. The checks themselves live in services/reauthentication.ts.

import type { Context } from 'koa';
import { field, passwordField } from '../http/body.js';
import type { ReauthProof, ReauthPurpose } from '../services/reauthentication.js';
import type { RouteDeps } from './deps.js';
import { requestState } from '../http/state.js';
import { AppError, RateLimitedError, UpstreamError } from '../errors/app-error.js';
import { t } from '../i18n/index.js';

export type ReauthMethod = ReauthProof['method'];

/** The view model of the block. */
export interface ReauthBlock {
  /** The method shown now. */
  method: ReauthMethod;
  password: boolean;
  sms: boolean;
  maskedPhone: string | undefined;
  codeSent: boolean;
  /** Where the SMS way posts its send (the page adds its own hidden fields). */
  sendAction: string;
  /** The captcha of the send form, while the code is still to be sent. */
  sendCaptcha: { id: string; image: string } | undefined;
  /** The page URLs that switch between the two ways. */
  switchTo: { pwd: string; sms: string };
}

/** The method a request asks for (`?reauth=sms` or the posted field), falling back to what the account has. */
export function requestedMethod(ctx: Context, form: Record<string, string> = {}): ReauthMethod | undefined {
  const asked = form.reauth ?? (typeof ctx.query.reauth === 'string' ? ctx.query.reauth : undefined);
  return asked === 'sms' || asked === 'pwd' ? asked : undefined;
}

export async function reauthBlock(
  deps: Pick<RouteDeps, 'services'>,
  accountId: string,
  options: { method: ReauthMethod | undefined; codeSent: boolean; sendAction: string; pageUrl: string },
): Promise<ReauthBlock> {
  const ways = await deps.services.reauth.methods(accountId);
  const method: ReauthMethod = options.method === 'sms' && ways.sms ? 'sms' : ways.password ? 'pwd' : 'sms';
  const codeSent = method === 'sms' && options.codeSent;
  const join = options.pageUrl.includes('?') ? '&' : '?';
  return {
    method,
    password: ways.password,
    sms: ways.sms,
    maskedPhone: ways.maskedPhone,
    codeSent,
    sendAction: options.sendAction,
    sendCaptcha: method === 'sms' && !codeSent && ways.sms ? await deps.services.captcha.issue() : undefined,
    switchTo: { pwd: `${options.pageUrl}${join}reauth=pwd`, sms: `${options.pageUrl}${join}reauth=sms` },
  };
}

/** What the citizen posted in the block (`reauth`, then `current` or `code`). */
export function reauthProofFrom(form: Record<string, string>, purpose: ReauthPurpose): ReauthProof {
  if (form.reauth === 'sms') return { method: 'sms', purpose, code: field(form, 'code', 12) };
  return { method: 'pwd', password: passwordField(form, 'current') };
}

/** Sends the block's SMS code (captcha from the send form). Throws what reauth.sendCode throws. */
export async function sendReauthCode(deps: Pick<RouteDeps, 'services'>, ctx: Context, accountId: string, form: Record<string, string>, purpose: ReauthPurpose): Promise<string> {
  return deps.services.reauth.sendCode(accountId, {
    purpose,
    captchaId: field(form, 'captchaId', 64),
    captchaAnswer: field(form, 'captcha', 16),
    pow: field(form, 'pow', 4096),
    ip: (requestState(ctx)).ip,
  });
}

/** What the page shows after the block's 获取验证码: the code went out, or why not (under the send form's captcha when it was the captcha). */
export interface ReauthSendResult {
  state: { method: 'sms'; codeSent?: true; notice?: string; error?: string; fieldErrors?: { sendCaptcha: string } };
  status: number;
}

/**
 * Sends the block's SMS code and says what the page shows next. A refusal the citizen can act on
 * (captcha, limits, an unreachable gateway) becomes a message, with Retry-After on a rate limit;
 * anything else is rethrown.
 */
export async function sendReauthCodeForPage(deps: Pick<RouteDeps, 'services'>, ctx: Context, accountId: string, form: Record<string, string>, purpose: ReauthPurpose): Promise<ReauthSendResult> {
  const { locale } = requestState(ctx);
  try {
    const phone = await sendReauthCode(deps, ctx, accountId, form, purpose);
    return { state: { method: 'sms', codeSent: true, notice: t(locale, 'account.phone.code_sent', { phone }) }, status: 200 };
  } catch (err) {
    if (!(err instanceof AppError) || (err.status >= 500 && !(err instanceof UpstreamError))) throw err;
    if (err instanceof RateLimitedError) ctx.set('Retry-After', String(err.retryAfterSeconds));
    const message = t(locale, err.code, err.params);
    const field = (err as { field?: unknown }).field;
    return { state: { method: 'sms', ...(field === 'captcha' ? { fieldErrors: { sendCaptcha: message } } : { error: message }) }, status: err.status };
  }
}
