// What oidc-provider learns about an account: findAccount and the claims each scope releases
// (CONTRACTS.md), including OpenID Connect for Identity Assurance `verified_claims`, plus the
// claims stamped on access tokens (shown by introspection). Only the claims a request can release
// are built, so personal data no scope or claims parameter asks for is never decrypted.

import type { FindAccount, KoaContextWithOIDC } from 'oidc-provider';
import type { AccountService, ClaimsAccount } from '../services/accounts.js';
import type { FamilyMemberClaim, FamilyService } from '../services/family.js';
import { guardDatabase } from './adapter.js';
import { requestReads } from './request-reads.js';
import { levelRank } from '../domain/levels.js';
import { scopeClaims } from './claims.js';

export interface AccountClaims {
  findAccount: FindAccount;
  accessTokenClaims: (ctx: KoaContextWithOIDC, accountId: string) => Promise<Record<string, unknown> | undefined>;
}

/** The trust framework under which levels are asserted (published in discovery). */
export const trustFramework = 'cn_jsrs_rsxt';

const evidenceForProof: Record<string, string> = {
  registry_match: 'population_registry_check',
  face_match: 'face_verification',
  upstream_assertion: 'federated_assertion',
};

function verifiedClaims(account: ClaimsAccount): Record<string, unknown> | undefined {
  const documentNumber = account.documentNumber();
  if (levelRank(account.level) < levelRank('real_name') || !documentNumber) return undefined;
  const name = account.name();
  const proofs = account.proofs.filter((p) => levelRank(p.level) >= levelRank('real_name'));
  const newest = proofs.reduce<Date | undefined>((max, p) => (!max || p.createdAt > max ? p.createdAt : max), undefined);
  return {
    verification: {
      trust_framework: trustFramework,
      ...(newest ? { time: newest.toISOString() } : {}),
      evidence: proofs.map((p) => ({
        type: 'electronic_record',
        check_details: [{ check_method: evidenceForProof[p.kind] ?? p.kind, organization: p.adapter }],
        time: p.createdAt.toISOString(),
      })),
    },
    claims: {
      ...(name ? { name } : {}),
      cert_type: account.certType,
      id_number: documentNumber,
    },
  };
}

/** The claims `scope` and the claims parameter (`requested`) can release; oidc-provider masks the rest. */
export function releasableClaims(scope: string, requested: Record<string, unknown> | undefined): Set<string> {
  const names = new Set<string>(Object.keys(requested ?? {}));
  for (const name of (scope ?? '').split(' ')) {
    for (const claim of (scopeClaims as Record<string, readonly string[]>)[name] ?? []) names.add(claim);
  }
  return names;
}

/**
 * The account's claims, limited to `wanted` (all when absent); `familyMembers`: the bound family
 * numbers (read only when the `family` scope asks).
 */
export function accountClaimsFor(account: ClaimsAccount, familyMembers: FamilyMemberClaim[] = [], wanted?: ReadonlySet<string>): Record<string, unknown> {
  const want = (claim: string) => !wanted || wanted.has(claim);
  const name = want('name') ? account.name() : undefined;
  const phone = want('phone_number') || want('phone_number_verified') ? account.phoneE164() : undefined;
  const documentNumber = want('id_number') ? account.documentNumber() : undefined;
  const verified = want('verified_claims') ? verifiedClaims(account) : undefined;
  return {
    sub: account.id,
    identity_level: account.level,
    ...(name ? { name } : {}),
    ...(phone ? { phone_number: phone, phone_number_verified: true } : {}),
    ...(account.certType ? { cert_type: account.certType } : {}),
    ...(documentNumber ? { id_number: documentNumber } : {}),
    ...(verified ? { verified_claims: verified } : {}),
    family_members: familyMembers,
  };
}

export function createAccountClaims(deps: { accounts: Pick<AccountService, 'getAccountForClaims'>; family?: Pick<FamilyService, 'claimsFor'> }): AccountClaims {
  // One read of an account per request: findAccount, claims() and the access-token claims of the
  // same request share it (a level raised by step-up happens in an earlier request).
  const perRequest = new WeakMap<object, Map<string, Promise<ClaimsAccount | undefined>>>();
  // The token's look-up may have read the account already (request-reads.ts): then no query.
  const read = (id: string) => guardDatabase(() => deps.accounts.getAccountForClaims(id, requestReads.recallAccount(id)));
  const load = (ctx: object | undefined, id: string): Promise<ClaimsAccount | undefined> => {
    if (!ctx) return read(id);
    let cache = perRequest.get(ctx);
    if (!cache) perRequest.set(ctx, (cache = new Map()));
    let pending = cache.get(id);
    if (!pending) {
      pending = read(id);
      pending.catch(() => cache?.delete(id));
      cache.set(id, pending);
    }
    return pending;
  };

  return {
    findAccount: async (ctx, sub) => {
      const account = await load(ctx, sub);
      if (!account || account.status !== 'active') return undefined;
      return {
        accountId: account.id,
        // read by the interaction policy's `policies` prompt (oidc/policy.ts), from this same load
        policyVersion: account.policyVersion,
        claims: async (_use, scope, requested) => {
          // family numbers are read only when the family scope or the claims parameter asks for them
          const wanted = /(^|\s)family(\s|$)/.test(scope) || Object.hasOwn(requested ?? {}, 'family_members');
          const family = deps.family && wanted ? await guardDatabase(() => (deps.family as Pick<FamilyService, 'claimsFor'>).claimsFor(account.id)) : [];
          return accountClaimsFor(account, family, releasableClaims(scope, requested)) as { sub: string };
        },
      };
    },
    accessTokenClaims: async (ctx, accountId) => {
      const account = await load(ctx, accountId);
      if (!account) return undefined;
      const source = ctx.oidc.entities.AuthorizationCode ?? ctx.oidc.entities.RefreshToken ?? ctx.oidc.entities.DeviceCode;
      const origin = source as { acr?: string; amr?: string[] } | undefined;
      return {
        identity_level: account.level,
        ...(origin?.acr ? { acr: origin.acr } : {}),
        ...(origin?.amr ? { amr: origin.amr } : {}),
      };
    },
  };
}
