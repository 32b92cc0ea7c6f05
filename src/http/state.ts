// The typed per-request state our middleware fills in (ctx.state).

import type { Logger } from '../log/logger.js';
import type { Locale } from '../i18n/index.js';

export interface RequestState {
  requestId: string;
  log: Logger;
  locale: Locale;
  nonce: string;
  csrfToken?: string;
  /** The client address as seen through the configured proxy setting. */
  ip: string;
}

export function requestState(ctx: { state: unknown }): RequestState {
  return ctx.state as RequestState;
}
