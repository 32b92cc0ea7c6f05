// Security primitives: key derivation and rotation, the PII cipher, the blind index, one-time
// secrets and the password hashing pool. Everything here uses node:crypto (and bcryptjs) only.

export * from './errors.js';
export * from './keys.js';
export * from './pii-cipher.js';
export * from './blind-index.js';
export * from './one-time-secret.js';
export {
  createPasswordHasher,
  MAX_PASSWORD_BYTES,
  type PasswordHasher,
  type PasswordHasherOptions,
} from './password-hasher.js';
