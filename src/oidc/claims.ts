// Scopes, claims and acr values exactly as CONTRACTS.md states them, declared once. The provider's
// `claims` configuration, discovery and the consent page all read this.

import { acrValues } from '../domain/levels.js';

export const scopeClaims = {
  openid: ['sub', 'identity_level', 'acr', 'amr', 'auth_time'],
  profile: ['name', 'identity_level'],
  phone: ['phone_number', 'phone_number_verified'],
  identity: ['cert_type', 'id_number', 'verified_claims'],
  family: ['family_members'],
} as const;

export type ClaimScope = keyof typeof scopeClaims;

/** Scopes that carry no claims of their own. */
export const extraScopes = ['offline_access'] as const;

export const supportedScopes: readonly string[] = [...Object.keys(scopeClaims), ...extraScopes];

export const supportedAcrValues = acrValues;

/** oidc-provider's `claims` option: scope → claims, plus the standalone claims. */
export function providerClaimsConfig(): Record<string, string[] | null> {
  return {
    ...Object.fromEntries(Object.entries(scopeClaims).map(([scope, claims]) => [scope, [...claims]])),
    acr: null,
    amr: null,
    auth_time: null,
    sid: null,
  };
}
