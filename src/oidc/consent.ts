// What a consent grants, as the citizen reads it: the scopes and claims an authorization request
// asks for (the scope parameter, and the id_token and userinfo members of the claims parameter),
// each named in plain words, with sensitive personal information (PIPL art. 28) marked. The
// consent page lists exactly these and the grant saved on 同意授权 holds exactly these; a claim
// that cannot be named here is dropped, never granted.

import { scopeClaims, supportedScopes } from './claims.js';

/** One line of the consent page (i18n key `consent.item.<disclosure>`), in this order. */
export const disclosures = [
  'subject',
  'identity_level',
  'authentication',
  'name',
  'phone',
  'cert_type',
  'id_number',
  'verified_claims',
  'family_members',
  'offline_access',
] as const;
export type Disclosure = (typeof disclosures)[number];

/** Every claim this provider releases, and the line that names it. */
const disclosureOfClaim: Record<string, Disclosure> = {
  sub: 'subject',
  identity_level: 'identity_level',
  acr: 'authentication',
  amr: 'authentication',
  auth_time: 'authentication',
  name: 'name',
  phone_number: 'phone',
  phone_number_verified: 'phone',
  cert_type: 'cert_type',
  id_number: 'id_number',
  verified_claims: 'verified_claims',
  family_members: 'family_members',
};

/** Why a line is sensitive personal information (i18n key `consent.sensitive_reason.<reason>`). */
export type SensitiveReason = 'identity_document' | 'identity_document_and_face' | 'minors';
const sensitiveReasons: Partial<Record<Disclosure, SensitiveReason>> = {
  cert_type: 'identity_document',
  id_number: 'identity_document',
  // the verified identity carries the document and the face verification evidence
  verified_claims: 'identity_document_and_face',
  // family members may be children under 14
  family_members: 'minors',
};

export interface ConsentItem {
  disclosure: Disclosure;
  sensitive?: SensitiveReason;
}

export interface ConsentRequest {
  /** The OIDC scopes to grant (known scopes only). */
  scopes: string[];
  /** The claims-parameter claims to grant (known claims only). */
  claims: string[];
  /** What the page lists, one line per disclosure, in a fixed order. */
  items: ConsentItem[];
  /** Whether any line is sensitive personal information (a separate consent is needed, PIPL art. 29). */
  sensitive: boolean;
}

export function isKnownClaim(claim: string): boolean {
  return Object.hasOwn(disclosureOfClaim, claim);
}

/** The claim names of a claims parameter (a JSON string or object): its id_token and userinfo members. */
export function claimsParameterNames(claims: unknown): string[] {
  let parsed: unknown = claims;
  if (typeof claims === 'string') {
    try {
      parsed = JSON.parse(claims);
    } catch {
      return [];
    }
  }
  if (!parsed || typeof parsed !== 'object') return [];
  const names = new Set<string>();
  for (const target of ['id_token', 'userinfo'] as const) {
    const members = (parsed as Record<string, unknown>)[target];
    if (members && typeof members === 'object' && !Array.isArray(members)) for (const name of Object.keys(members)) names.add(name);
  }
  return [...names];
}

/** The consent an authorization request (its `scope` and `claims` parameters) asks for. */
export function consentRequestOf(params: { scope?: unknown; claims?: unknown }): ConsentRequest {
  const requestedScopes = typeof params.scope === 'string' ? params.scope.split(' ').filter(Boolean) : [];
  const scopes = [...new Set(requestedScopes.filter((s) => supportedScopes.includes(s)))];
  const claims = claimsParameterNames(params.claims).filter(isKnownClaim);
  const shown = new Set<Disclosure>();
  for (const scope of scopes) {
    if (scope === 'offline_access') shown.add('offline_access');
    const released: readonly string[] = (scopeClaims as Record<string, readonly string[]>)[scope] ?? [];
    for (const claim of released) shown.add(disclosureOfClaim[claim] as Disclosure);
  }
  for (const claim of claims) shown.add(disclosureOfClaim[claim] as Disclosure);
  const items = disclosures
    .filter((d) => shown.has(d))
    .map((disclosure): ConsentItem => (sensitiveReasons[disclosure] ? { disclosure, sensitive: sensitiveReasons[disclosure] } : { disclosure }));
  return { scopes, claims, items, sensitive: items.some((i) => i.sensitive !== undefined) };
}
