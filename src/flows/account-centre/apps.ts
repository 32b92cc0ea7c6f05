// 已授权应用 and 登录记录 as steps: the relying parties holding grants for an account, revoking one
// (every grant of the client with its tokens), and ending a provider session or another centre session.

import type Provider from 'oidc-provider';
import { accountCentreClientId } from '../../oidc/clients-file.js';
import type { Services } from '../../services/index.js';
import { done, refused, type ChangeContext, type Done, type Refused } from './outcomes.js';

/** oidc-provider ids and uids (nanoid) and our session hashes (base64url): anything else is not looked up. */
const providerId = /^[A-Za-z0-9_-]{1,64}$/;

/** A finite number, or undefined. */
export const asNumber = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);

/** What the steps of these pages use: the services and the provider's models. */
export interface AppSteps {
  services: Services;
  provider: Provider;
}

/** One client's grants: their ids, the scopes granted, and when a token was last issued (seconds). */
export interface ClientGrants {
  grantIds: string[];
  scopes: Set<string>;
  lastIat: number;
}

/** 已授权应用: one entry per relying party (a client may hold several grants, one per provider session); the centre itself aside. */
export async function grantsByClient(services: Services, accountId: string): Promise<Map<string, ClientGrants>> {
  const byClient = new Map<string, ClientGrants>();
  for (const g of await services.accountCentre.grants(accountId)) {
    const clientId = g.payload.clientId;
    if (typeof clientId !== 'string' || clientId === accountCentreClientId) continue;
    const entry = byClient.get(clientId) ?? { grantIds: [], scopes: new Set<string>(), lastIat: 0 };
    entry.grantIds.push(g.id);
    const openid = g.payload.openid as { scope?: unknown } | undefined;
    if (typeof openid?.scope === 'string') for (const scope of openid.scope.split(' ').filter(Boolean)) entry.scopes.add(scope);
    entry.lastIat = Math.max(entry.lastIat, asNumber(g.payload.iat) ?? 0, g.lastTokenIat ?? 0);
    byClient.set(clientId, entry);
  }
  return byClient;
}

/** Revokes every grant `clientId` holds for the account, with the tokens and codes issued under them; audited. */
export async function revokeApp(steps: AppSteps, accountId: string, clientId: string, change: ChangeContext): Promise<Done | Refused> {
  const { services, provider } = steps;
  const entry = (await grantsByClient(services, accountId)).get(clientId);
  if (!entry) return refused('errors.not_found', 404);
  for (const grantId of entry.grantIds) {
    const grant = await provider.Grant.find(grantId);
    if (!grant || grant.accountId !== accountId) continue;
    await Promise.all([
      provider.AccessToken.revokeByGrantId(grantId),
      provider.RefreshToken.revokeByGrantId(grantId),
      provider.AuthorizationCode.revokeByGrantId(grantId),
    ]);
    await grant.destroy();
  }
  await services.audit.record({ event: 'account.grant_revoked', outcome: 'success', subject: accountId, clientId, ...change, details: { grants: entry.grantIds.length } });
  return done;
}

/** 退出 of a provider session (by its uid) the account holds; audited. */
export async function endProviderSession(steps: AppSteps, accountId: string, uid: string, change: ChangeContext): Promise<Done | Refused> {
  const session = providerId.test(uid) ? await steps.provider.Session.findByUid(uid) : undefined;
  if (!session || session.accountId !== accountId) return refused('errors.not_found', 404);
  await session.destroy();
  await steps.services.audit.record({ event: 'account.session_ended', outcome: 'success', subject: accountId, ...change, details: { kind: 'provider' } });
  return done;
}

/** 退出 of another of the account's centre sessions (never the current one); audited. */
export async function endCentreSession(services: Services, current: { accountId: string; idHash: string }, id: string, change: ChangeContext): Promise<Done | Refused> {
  if (!providerId.test(id) || id === current.idHash || !(await services.accountCentre.endSession(id, current.accountId))) return refused('errors.not_found', 404);
  await services.audit.record({ event: 'account.session_ended', outcome: 'success', subject: current.accountId, ...change, details: { kind: 'account_centre' } });
  return done;
}
