// Loading the oidc-provider interaction behind /interaction/:uid, with the failure every stale
// tab or back button produces (SessionNotFound) turned into a friendly page instead of an error.

import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import { errors } from 'oidc-provider';
import type { AttemptContext } from '../../authenticators/types.js';
import { AppError } from '../../errors/app-error.js';
import { browserIdOf } from '../../http/csrf.js';
import { requestState } from '../../http/state.js';

export type InteractionDetails = Awaited<ReturnType<Provider['interactionDetails']>>;

export async function loadInteraction(ctx: Context, provider: Provider, uid: string): Promise<InteractionDetails> {
  try {
    const details = await provider.interactionDetails(ctx.req, ctx.res);
    if (details.uid !== uid) throw new AppError('errors.session_expired', 400);
    return details;
  } catch (err) {
    if (err instanceof errors.SessionNotFound || err instanceof errors.InvalidRequest) throw new AppError('errors.session_expired', 400);
    throw err;
  }
}

/** The client's display name for the pages (falls back to its id). */
export async function clientNameOf(provider: Provider, clientId: unknown): Promise<string> {
  if (typeof clientId !== 'string') return '';
  const client = await provider.Client.find(clientId);
  return client?.clientName ?? clientId;
}

/** The client id of the authorization request behind an interaction, or null. */
export function clientIdOf(details: InteractionDetails): string | null {
  return typeof details.params.client_id === 'string' ? details.params.client_id : null;
}

/** Who is signing in where, as every sign-in method's attempt needs it: the interaction, this browser, the client, the address. */
export function attemptOf(ctx: Context, details: InteractionDetails): AttemptContext {
  const state = requestState(ctx);
  return { uid: details.uid, browserId: browserIdOf(ctx), clientId: clientIdOf(details), ip: state.ip, requestId: state.requestId };
}
