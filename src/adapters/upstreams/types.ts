// The identity an upstream sign-in provider (电子社保卡, 江苏政务, 支付宝) asserts about a citizen,
// in one shape for every upstream; the federated authenticators link or create accounts from it.

import type { UpstreamName } from '../../domain/sign-in-methods.js';

export const assertedLevels = ['registered', 'real_name', 'real_person'] as const;
export type AssertedLevel = (typeof assertedLevels)[number];

export interface UpstreamIdentity {
  upstream: UpstreamName;
  /** The upstream's stable identifier for this person (never assumed to be the ID number). */
  subject: string;
  name?: string;
  /** AAC058 certificate type code; '01' for the resident ID card. */
  certType?: string;
  idNumber?: string;
  /** National 11-digit mobile number, no country code. */
  phone?: string;
  assertedLevel: AssertedLevel;
  attributes?: Record<string, string>;
}
