// The typed per-request state our middleware fills in (ctx.state).

import type { Logger } from '../log/logger.js';
import type { Locale } from '../i18n/index.js';

export interface RequestState {
  requestId: string;
  log: Logger;
  locale: Locale;
  /** 长辈版 (care mode): larger type and targets, fewer items; chosen on any page, remembered in a cookie. */
  care?: boolean;
  nonce: string;
  csrfToken?: string;
  /** The client address (http/client-address.ts: the socket, or what TRUSTED_PROXIES vouch for). */
  ip: string;
}

export function requestState(ctx: { state: unknown }): RequestState {
  return ctx.state as RequestState;
}
