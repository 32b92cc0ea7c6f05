// 办事 / 收藏: the catalogue of public services (only clients an operator put in it: a dynamically
// registered client is never listed, whatever its row holds, so it cannot pose as an official
// service) and marking one of them as a favourite.

import { isIdentityLevel, type IdentityLevel } from '../../domain/levels.js';
import type { ClientStore } from '../../oidc/client-store.js';
import type { Services } from '../../services/index.js';
import { done, refused, type Done, type Refused } from './outcomes.js';

/** A public service as the catalogue lists it. */
export interface CatalogueEntry {
  clientId: string;
  name: string;
  description: string;
  requiredLevel: IdentityLevel;
  uri: string | undefined;
}

/** The public services, in the client store's order. */
export async function catalogue(clients: Pick<ClientStore, 'list'>): Promise<CatalogueEntry[]> {
  return (await clients.list())
    .filter((c) => c.source !== 'registration' && c.metadata.public_service === true)
    .map((c) => ({
      clientId: c.clientId,
      name: typeof c.metadata.client_name === 'string' ? c.metadata.client_name : c.clientId,
      description: typeof c.metadata.service_description === 'string' ? c.metadata.service_description : '',
      requiredLevel: isIdentityLevel(c.metadata.required_level) ? c.metadata.required_level : 'registered',
      uri: typeof c.metadata.client_uri === 'string' && /^https?:\/\//.test(c.metadata.client_uri) ? c.metadata.client_uri : undefined,
    }));
}

/** 收藏 (or not) a service of the catalogue; anything else is not found. */
export async function setFavourite(services: Services, clients: Pick<ClientStore, 'list'>, accountId: string, clientId: string, on: boolean): Promise<Done | Refused> {
  if (!(await catalogue(clients)).some((s) => s.clientId === clientId)) return refused('errors.not_found', 404);
  await services.accountCentre.setFavourite(accountId, clientId, on);
  return done;
}
