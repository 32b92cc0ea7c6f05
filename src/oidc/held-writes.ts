// The end of a provider request that held its writes (protocol-paths.ts): they are stored before the
// reply leaves; when they cannot be, the reply (a redirect with a code, tokens) never leaves and the
// outage's answer replaces it.

import type { Context } from 'koa';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { isDatabaseUnavailable } from '../db/unavailable.js';
import { UnavailableError } from '../errors/app-error.js';
import { isProtocolApiPath } from '../http/protocol-paths.js';
import { storeHeldWrites } from './adapter.js';
import { requestReads } from './request-reads.js';

/**
 * Runs the provider's part of the request (inside withRequestReads) holding its writes, then stores
 * them; an error of the request itself goes on unchanged.
 */
export async function withHeldWritesStored(ctx: Context, db: Kysely<DB>, work: () => Promise<unknown>): Promise<void> {
  if (!requestReads.startHoldingWrites()) {
    await work();
    return;
  }
  try {
    await work();
  } catch (err) {
    // What the provider held before it failed is stored as it would have been without holding.
    await storeHeldWrites(db).catch(() => undefined);
    throw err;
  }
  // A store that failed earlier in the request was answered by the provider (it awaited it before a read).
  const fresh = requestReads.hasHeldWrites();
  const storing = storeHeldWrites(db);
  if (!fresh) return storing.catch(() => undefined);
  try {
    await storing;
  } catch (err) {
    answerUnstored(ctx, err);
  }
}

/** The reply when the held writes could not be stored: never the provider's (its code or tokens were not kept). */
function answerUnstored(ctx: Context, err: unknown): void {
  ctx.remove('Location');
  const unavailable = isDatabaseUnavailable(err) || (err as { status?: unknown }).status === 503;
  if (!unavailable) throw err;
  if (!isProtocolApiPath(ctx.path)) throw new UnavailableError({ cause: err });
  ctx.status = 503;
  ctx.set('Cache-Control', 'no-store');
  ctx.set('Retry-After', '5');
  ctx.body = { error: 'temporarily_unavailable', error_description: 'the service is temporarily unavailable, try again shortly' };
}
