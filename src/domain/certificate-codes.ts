// Verification codes of printed certificates (我的权益单): 24 characters of Crockford base32 from the
// CSPRNG (120 bits), shown in groups of four; read back leniently (case, dashes, spaces, O/I/L);
// stored only as their SHA-256, so the table alone names no valid code. Also their lifetimes.

import { createHash, randomInt } from 'node:crypto';

/** A code checks as authentic for 90 days after issue. */
export const certificateValidDays = 90;
/** The row stays a year past expiry, so the check says 已过期 rather than 未找到; then housekeeping deletes it. */
export const certificateKeptDaysAfterExpiry = 365;

const alphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
export const certificateCodeLength = 24;
const canonical = new RegExp(`^[${alphabet}]{${certificateCodeLength}}$`);

/** A fresh code, canonical form (no dashes). */
export function newCertificateCode(): string {
  let code = '';
  for (let i = 0; i < certificateCodeLength; i += 1) code += alphabet[randomInt(alphabet.length)];
  return code;
}

/** `XXXX-XXXX-…`: how the code is printed and put in the URL. */
export function groupCertificateCode(code: string): string {
  return code.replace(/(.{4})(?=.)/g, '$1-');
}

/**
 * The canonical code a person typed or a QR carried (any case, dashes and spaces ignored, O read as
 * 0 and I/L as 1), or undefined for anything that cannot be a code. Never throws.
 */
export function normaliseCertificateCode(input: unknown): string | undefined {
  if (typeof input !== 'string' || input.length > 64) return undefined;
  const code = input.toUpperCase().replace(/[\s-]/g, '').replace(/O/g, '0').replace(/[IL]/g, '1');
  return canonical.test(code) ? code : undefined;
}

/** What the table stores and looks up: SHA-256 (hex) of the canonical code. */
export function certificateCodeHash(code: string): string {
  return createHash('sha256').update(`rights-certificate\u0000${code}`, 'utf8').digest('hex');
}
