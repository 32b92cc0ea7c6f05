// Accounts of the mock 江苏政务 site and the stable opaque `sub` each one is known by.

import { createHash } from 'node:crypto';

export interface JszwAccount {
  username: string;
  password: string;
  idNumber: string;
  name: string;
  phone: string;
  level: '实名' | '实人';
}

export interface JszwClient {
  clientId: string;
  clientSecret: string;
  redirectUris: readonly string[];
}

/** Stable across mock restarts (provider-side links outlive the mock process). */
export function subjectOf(username: string): string {
  return createHash('sha256').update(`jszw-mock-subject:${username}`).digest('hex').slice(0, 32);
}
