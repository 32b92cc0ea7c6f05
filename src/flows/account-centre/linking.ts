// 账号关联 as steps: starting an upstream's round trip for the signed-in account, settling what it
// answered (link the asserted identity, or say why not, in the centre's words), and 解除关联.
// services/upstream-links.ts decides a link: never one linked elsewhere, an asserted document must be the account's own.

import type { AuthOutcome, LinkContext, UpstreamLinking } from '../../authenticators/types.js';
import { isUpstreamName, type UpstreamName } from '../../domain/sign-in-methods.js';
import type { Services } from '../../services/index.js';
import { attempt, refused, refusalOf, type ChangeContext, type Refused } from './outcomes.js';

/** The user centre's words for what an upstream round trip answered (the sign-in pages' say "登录"). */
const linkFailureKeys: Record<string, string> = {
  'login.federated_state_invalid': 'account.links.state_invalid',
  'flow.invalid': 'account.links.state_invalid',
  'flow.expired': 'account.links.state_invalid',
  'login.federated_denied': 'account.links.denied',
  'login.essc_rejected': 'account.links.denied',
  'login.federated_failed': 'account.links.failed',
  'login.upstream_unavailable': 'account.links.unavailable',
  'login.essc_card_abnormal': 'account.links.card_abnormal',
  'login.qr_expired': 'login.qr_expired',
};

/** The centre's message key for a round trip's failure code. */
export function linkFailureKey(code: string): string {
  return linkFailureKeys[code] ?? 'account.links.failed';
}

/** A refusal about one upstream: its message names it (`{upstream}`). */
export type LinkRefused = Refused & { upstream?: UpstreamName };

/** What a link attempt came to: off to the upstream (or its QR page), linked, already linked, or refused. */
export type LinkResult = { kind: 'redirect'; url: string } | { kind: 'linked'; upstream: UpstreamName } | { kind: 'already_linked'; upstream: UpstreamName } | LinkRefused;

/** Links the identity the round trip asserted, or says why not (a failed or foreign round trip is audited here). */
export async function settleLink(services: Services, accountId: string, upstream: UpstreamName, outcome: AuthOutcome, change: ChangeContext): Promise<LinkResult> {
  if (outcome.kind === 'redirect') return outcome;
  if (outcome.kind !== 'asserted' || outcome.assertion.upstream !== upstream) {
    const code = outcome.kind === 'failed' ? outcome.code : 'flow.invalid';
    await services.audit.record({ event: 'account.upstream_linked', outcome: 'failure', subject: accountId, ...change, details: { upstream, via: 'account_centre', reason: code } });
    return { ...refused(linkFailureKey(code), outcome.kind === 'failed' ? outcome.status : 400), upstream };
  }
  try {
    const result = await services.upstreamLinks.link(accountId, outcome.assertion, change);
    return { kind: result.outcome === 'already_linked' ? 'already_linked' : 'linked', upstream };
  } catch (err) {
    const refusal = refusalOf(err);
    if (!refusal) throw err;
    // The service's own key, worded with the upstream's name (not the error's parameters).
    return { ...refused(refusal.code, refusal.status), upstream };
  }
}

/** 关联: an upstream this deployment can link and the account has not linked yet, then its round trip starts. */
export async function startLink(
  services: Services,
  linker: Pick<UpstreamLinking, 'beginLink'> | undefined,
  link: LinkContext,
  upstream: string,
  qrPage: (flowId: string) => string,
  change: ChangeContext,
): Promise<LinkResult> {
  if (!isUpstreamName(upstream) || !linker) return refused('errors.not_found', 404);
  if ((await services.accountCentre.links(link.accountId)).some((l) => l.upstream === upstream)) return { ...refused('account.links.upstream_in_use', 409), upstream };
  return settleLink(services, link.accountId, upstream, await linker.beginLink(link, qrPage), change);
}

/** 解除关联 (never the last way to sign in: the service refuses that). */
export async function unlinkUpstream(services: Services, accountId: string, upstream: string, change: ChangeContext): Promise<{ kind: 'unlinked'; upstream: UpstreamName } | LinkRefused> {
  if (!isUpstreamName(upstream)) return refused('errors.not_found', 404);
  const unlinked = await attempt(() => services.accountCentre.unlink(accountId, upstream, change));
  return unlinked.kind === 'ok' ? { kind: 'unlinked', upstream } : unlinked;
}
