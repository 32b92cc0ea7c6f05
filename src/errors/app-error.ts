// src/errors/: the AppError hierarchy (a MessageKey, an HTTP status); imports the i18n key type only.
// One error hierarchy: every failure we raise carries an i18n code (a MessageKey of the zh-CN
// catalogue, so a misspelt key fails the type check), an HTTP status and whether its message may be
// shown. The HTTP error middleware turns these into pages or JSON bodies.

import type { MessageKey } from '../i18n/zh-CN.js';

export type { MessageKey };
export type ErrorParams = Record<string, string | number>;

export class AppError extends Error {
  readonly code: MessageKey;
  readonly status: number;
  readonly expose: boolean;
  readonly params: ErrorParams;

  constructor(code: MessageKey, status = 400, params: ErrorParams = {}, options?: { cause?: unknown }) {
    super(code, options);
    this.name = 'AppError';
    this.code = code;
    this.status = status;
    this.expose = status < 500;
    this.params = params;
  }
}

/** A value the user gave failed validation; `field` names the form field it belongs to. */
export class ValidationError extends AppError {
  readonly field: string | undefined;
  constructor(code: MessageKey, field?: string, params: ErrorParams = {}) {
    super(code, 400, params);
    this.name = 'ValidationError';
    this.field = field;
  }
}

export class NotFoundError extends AppError {
  constructor(code: MessageKey = 'errors.not_found') {
    super(code, 404);
    this.name = 'NotFoundError';
  }
}

/** A limit was hit; `retryAfterSeconds` says when to try again. */
export class RateLimitedError extends AppError {
  readonly retryAfterSeconds: number;
  constructor(retryAfterSeconds: number, code: MessageKey = 'errors.rate_limited') {
    super(code, 429, { seconds: retryAfterSeconds });
    this.name = 'RateLimitedError';
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** An outside system (registry, SMS, upstream IdP, face) failed or timed out. */
export class UpstreamError extends AppError {
  readonly upstream: string;
  constructor(upstream: string, code: MessageKey = 'errors.upstream_unavailable', options?: { cause?: unknown }) {
    super(code, 503, { upstream }, options);
    this.name = 'UpstreamError';
    this.upstream = upstream;
  }
}

/** The database cannot be reached: the request answers 503, the process stays up. */
export class UnavailableError extends AppError {
  constructor(options?: { cause?: unknown }) {
    super('errors.temporarily_unavailable', 503, {}, options);
    this.name = 'UnavailableError';
  }
}
