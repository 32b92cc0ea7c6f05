// The interaction policy: oidc-provider's login and consent prompts, with its exact-match
// essential-acr checks replaced by one ordered check: when the client asks for a higher acr than
// this session has, the citizen is sent through the missing steps (step-up), inside the same
// authorization request. A step-up that still falls short ends with access_denied. A face check
// counts for the authorization request that ran it only. Between login and consent, a `policies`
// prompt asks a citizen who has not agreed to the policy texts in force to agree (issue 15).

import { errors, interactionPolicy } from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';
import { acrNeedsFaceThisSignIn, acrSatisfies, isKnownAcr, lowestRequestedAcr, type Acr } from '../domain/levels.js';
import type { PolicyAcceptance } from '../services/policy-acceptance.js';

const { base, Check, Prompt } = interactionPolicy;

/** The lowest acr the request asks for (acr_values or an acr claim request), or undefined. */
export function requiredAcrOf(ctx: KoaContextWithOIDC): Acr | undefined {
  const request = ctx.oidc.claims?.id_token?.acr as { value?: unknown; values?: unknown } | null | undefined;
  const values: string[] = [];
  if (request && typeof request.value === 'string') values.push(request.value);
  if (request && Array.isArray(request.values)) values.push(...request.values.filter((v): v is string => typeof v === 'string'));
  return lowestRequestedAcr(values);
}

function sessionAcr(ctx: KoaContextWithOIDC): Acr {
  const acr = ctx.oidc.acr;
  return isKnownAcr(acr) ? acr : 'urn:jsrs:level:registered';
}

/** Whether this authorization request's own interaction ended with a face check (its login result). */
function faceThisRequest(ctx: KoaContextWithOIDC): boolean {
  const login = (ctx.oidc.result as { login?: { acr?: unknown } } | undefined)?.login;
  return isKnownAcr(login?.acr) && acrNeedsFaceThisSignIn(login.acr);
}

/**
 * `…:face` holds for the authorization request that ran the face check, not for later requests
 * answered from the SSO session: for those the session falls back to real_person (and amr drops
 * `face`), so this request neither skips a face check it asks for nor asserts one it did not run.
 */
function forgetEarlierFace(ctx: KoaContextWithOIDC): void {
  const session = ctx.oidc.session;
  if (!session || !acrNeedsFaceThisSignIn(sessionAcr(ctx)) || faceThisRequest(ctx)) return;
  session.acr = 'urn:jsrs:level:real_person';
  if (Array.isArray(session.amr)) session.amr = session.amr.filter((m) => m !== 'face');
}

export const stepUpReason = 'acr_step_up';

/** The prompt that asks for the policy texts in force, and its one reason. */
export const policiesPromptName = 'policies';
export const policiesReason = 'policy_version_changed';

/** What a `policies` interaction's result holds once the citizen agreed (pages/interaction/policies.ts). */
export interface PoliciesResult {
  accepted: string;
}

/** The version the signed-in account agreed to, as findAccount loaded it (oidc/account-claims.ts); null: never asked. */
function agreedVersion(ctx: KoaContextWithOIDC): string | null {
  const version = ctx.oidc.account?.policyVersion;
  return typeof version === 'string' ? version : null;
}

/**
 * Asks the signed-in citizen to agree to 《隐私政策》 and 《个人证件信息处理规则》 when the version they
 * agreed to is not the one in force (never asked, or an older one). Not requestable; with
 * prompt=none the client receives interaction_required.
 */
export function createPoliciesPrompt(policies: Pick<PolicyAcceptance, 'version' | 'needsAcceptance'>): interactionPolicy.Prompt {
  return new Prompt(
    { name: policiesPromptName, requestable: false },
    new Check(
      policiesReason,
      'the end-user has not agreed to the privacy policy in force',
      'interaction_required',
      (ctx: KoaContextWithOIDC) => {
        if (!ctx.oidc.session?.accountId || !ctx.oidc.account) return Check.NO_NEED_TO_PROMPT;
        // agreed to in this very authorization request (the row was written before the resume)
        const result = (ctx.oidc.result as { [policiesPromptName]?: Partial<PoliciesResult> } | undefined)?.[policiesPromptName];
        if (result?.accepted === policies.version) return Check.NO_NEED_TO_PROMPT;
        return policies.needsAcceptance({ policyVersion: agreedVersion(ctx) }) ? Check.REQUEST_PROMPT : Check.NO_NEED_TO_PROMPT;
      },
      (ctx: KoaContextWithOIDC) => ({ policyVersion: policies.version, acceptedVersion: agreedVersion(ctx) }),
    ),
  );
}

export function createInteractionPolicy(options: { policies?: Pick<PolicyAcceptance, 'version' | 'needsAcceptance'> } = {}): interactionPolicy.Prompt[] {
  const policy = base();
  const login = policy.get('login');
  if (!login) throw new Error('oidc-provider policy has no login prompt');
  login.checks.remove('essential_acrs');
  login.checks.remove('essential_acr');
  login.checks.add(
    new Check(
      stepUpReason,
      'the requested authentication context class is above what this sign-in has proven',
      'unmet_authentication_requirements',
      (ctx: KoaContextWithOIDC) => {
        if (!ctx.oidc.session?.accountId) return Check.NO_NEED_TO_PROMPT;
        forgetEarlierFace(ctx);
        const required = requiredAcrOf(ctx);
        if (!required || acrSatisfies(sessionAcr(ctx), required)) return Check.NO_NEED_TO_PROMPT;
        const result = ctx.oidc.result as { stepUp?: { attempted?: boolean } } | undefined;
        if (result?.stepUp?.attempted) {
          throw new errors.AccessDenied('the required identity level could not be reached');
        }
        return Check.REQUEST_PROMPT;
      },
      (ctx: KoaContextWithOIDC) => ({ requiredAcr: requiredAcrOf(ctx), currentAcr: sessionAcr(ctx) }),
    ),
  );
  // after login (and its step-up), before consent: the texts are agreed to before any client is authorised
  if (options.policies) policy.add(createPoliciesPrompt(options.policies), policy.indexOf(login) + 1);
  return policy;
}
