// Legacy platform exports for the import tests and the bench: valid synthetic accounts (GB 11643
// numbers with their check characters, mainland mobiles, salted SHA-256 hashes) as JSON Lines.

import { createHash } from 'node:crypto';
import { gb11643CheckChar } from '../../src/domain/documents.js';

export const legacyPassword = 'Legacy#2019pw';
export const descriptor = { platform: 'old-jsrs', password: { algorithm: 'sha256', salt: 'suffix', salt_encoding: 'utf8', hash_encoding: 'hex' } };

/** The n-th synthetic resident ID (unique for n < 36,500,000 per `base` region). */
export function legacyIdNumber(n: number, region = '320102'): string {
  const day = n % 9000;
  const birth = new Date(Date.UTC(1950, 0, 1) + day * 86_400_000).toISOString().slice(0, 10).replaceAll('-', '');
  const first17 = `${region}${birth}${String(Math.floor(n / 9000) % 1000).padStart(3, '0')}`;
  return first17 + gb11643CheckChar(first17);
}

/** The n-th synthetic mobile (unique for n < 100,000,000). */
export function legacyPhone(n: number, prefix = '138'): string {
  return `${prefix}${String(n).padStart(8, '0')}`;
}

export function sha256Suffix(password: string, salt: string): string {
  return createHash('sha256').update(password + salt).digest('hex');
}

/** One exported account; override any field. */
export function legacyRow(n: number, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const salt = `salt${n}`;
  return {
    legacy_id: `u${n}`,
    cert_type: '01',
    document_number: legacyIdNumber(n),
    name: '张三',
    phone: legacyPhone(n),
    password_hash: sha256Suffix(legacyPassword, salt),
    password_salt: salt,
    password_algorithm: 'sha256',
    level: 'real_name',
    evidence: { registry_match_at: '2019-03-01', face_check_at: null },
    created_at: '2018-06-01T08:00:00+08:00',
    upstream_links: {},
    family_members: [],
    ...overrides,
  };
}

export const jsonl = (rows: unknown[]): string => rows.map((r) => (typeof r === 'string' ? r : JSON.stringify(r))).join('\n') + '\n';
