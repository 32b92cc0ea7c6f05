// Rows read ahead for the rest of one provider request: when a token is found, its grant and
// session come in the same round trip and oidc-provider's next look-ups are answered from here;
// a row still on its way (a look-up started in the same tick) is kept as its promise.

import { AsyncLocalStorage } from 'node:async_hooks';
import type { StoredPayload } from '../repositories/oidc-payloads.js';

type Read = StoredPayload | null;
type Reads = Map<string, Read | Promise<Read>>;

const storage = new AsyncLocalStorage<Reads>();

const keyFor = (model: string, by: 'id' | 'uid', value: string) => `${model}\u0000${by}\u0000${value}`;

/** Runs one provider request with its own (empty) read-ahead store. */
export function withRequestReads<T>(work: () => T): T {
  return storage.run(new Map(), work);
}

export const requestReads = {
  /** Keeps a row (or null: known to be absent) for this request; outside a request, nothing. */
  remember(model: string, by: 'id' | 'uid', value: string, row: StoredPayload | null): void {
    storage.getStore()?.set(keyFor(model, by, value), row);
  },
  /**
   * Keeps the row a round trip already under way will bring. Its failure is the caller's to report:
   * whoever recalls it gets the same error, and nobody recalling it is not an unhandled rejection.
   */
  rememberPending(model: string, by: 'id' | 'uid', value: string, row: Promise<StoredPayload | null>): void {
    const reads = storage.getStore();
    if (!reads) return;
    row.catch(() => undefined);
    reads.set(keyFor(model, by, value), row);
  },
  /** The row read ahead in this request: a row, null (absent), its promise, or undefined (not read ahead). */
  recall(model: string, by: 'id' | 'uid', value: string): Read | Promise<Read> | undefined {
    return storage.getStore()?.get(keyFor(model, by, value));
  },
  /** A write to a model makes what was read ahead of it stale. */
  forgetModel(model: string): void {
    const reads = storage.getStore();
    if (!reads) return;
    for (const key of reads.keys()) if (key.startsWith(`${model}\u0000`)) reads.delete(key);
  },
  /** revokeByGrantId and the like touch rows of several models. */
  forgetAll(): void {
    storage.getStore()?.clear();
  },
};
