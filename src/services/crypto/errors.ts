// Errors raised by the crypto services. All are AppErrors with the generic 'errors.internal' code
// (status 500, never exposed); `message` says what went wrong for logs and never holds key material,
// plaintext or passwords.

import { AppError } from '../../errors/app-error.js';

/** Keys, key ids or algorithm choices are unusable: a configuration problem found at start. */
export class CryptoConfigError extends AppError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('errors.internal', 500, {}, options);
    this.name = 'CryptoConfigError';
    this.message = message;
  }
}

export const cipherErrorReasons = [
  'malformed',
  'unsupported_version',
  'unsupported_algorithm',
  'unknown_key',
  'authentication_failed',
  'invalid_input',
] as const;
export type CipherErrorReason = (typeof cipherErrorReasons)[number];

/** A PII envelope could not be produced or opened; `reason` says why (safe to log). */
export class CipherError extends AppError {
  readonly reason: CipherErrorReason;
  constructor(reason: CipherErrorReason, message: string, options?: { cause?: unknown }) {
    super('errors.internal', 500, {}, options);
    this.name = 'CipherError';
    this.reason = reason;
    this.message = message;
  }
}

/** The password hashing pool failed a job: a worker crashed, or the pool was closed. */
export class PasswordHasherError extends AppError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('errors.internal', 500, {}, options);
    this.name = 'PasswordHasherError';
    this.message = message;
  }
}
