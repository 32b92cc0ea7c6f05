// A user-centre flow is bound to the browser that started it and to the signed-in account: loading
// one for another account fails as if it did not exist.

import type { Services } from '../../services/index.js';
import type { FlowDefinition } from '../engine/definition.js';
import { FlowError, type Flow } from '../engine/store.js';

/** The signed-in account in this browser. */
export interface FlowHolder {
  accountId: string;
  browserId: string;
}

/** The holder's flow `id` (at most 64 characters are looked up) in one of `states`. Throws FlowError (also for another account's flow). */
export async function loadOwnFlow<S extends string, F extends Record<string, unknown>>(
  services: Services,
  definition: FlowDefinition<S>,
  holder: FlowHolder,
  id: string,
  states: readonly S[],
): Promise<Flow<S, F>> {
  const flow = await services.flows.load<S, F>(definition, id.slice(0, 64), holder.browserId, states);
  if (flow.accountId !== holder.accountId) throw new FlowError('not_found');
  return flow;
}
