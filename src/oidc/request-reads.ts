// Rows read ahead for the rest of one provider request: when a token is found, its grant and
// session come in the same round trip and oidc-provider's next look-ups are answered from here;
// a row still on its way (a look-up started in the same tick) is kept as its promise. Where the
// request reads an account next (userinfo and token build claims; the return from an interaction
// checks the account it signed in), that account comes in the payload's round trip too. Where the
// request holds its writes (startHoldingWrites), they are kept here and stored together: before the
// request's next database read and at its end (adapter.ts, held-writes.ts).

import { AsyncLocalStorage } from 'node:async_hooks';
import type { AccountWithProofs } from '../repositories/accounts.js';
import type { PayloadWrite, StoredPayload } from '../repositories/oidc-payloads.js';

type Read = StoredPayload | null;
interface Reads {
  rows: Map<string, Read | Promise<Read>>;
  /** Whether a payload's look-up should bring the account it names (the request reads it next). */
  accountsWanted: boolean;
  /** Accounts read with a token, by id: the account with its proofs, or null (gone). */
  accounts: Map<string, AccountWithProofs | null>;
  /** Whether writes wait to be stored together (see holdWrite). */
  holding: boolean;
  /** The writes waiting, the last one per (model, id). */
  writes: Map<string, PayloadWrite>;
  /** The store of the writes taken last (settleWrites), still under way or done. */
  storing: Promise<void> | undefined;
  /** How many stores are under way. */
  storesUnderWay: number;
}

const storage = new AsyncLocalStorage<Reads>();

const keyFor = (model: string, by: 'id' | 'uid', value: string) => `${model}\u0000${by}\u0000${value}`;

/** Runs one provider request with its own (empty) read-ahead store; `accountsWanted` when it reads an account next. */
export function withRequestReads<T>(work: () => T, options: { accountsWanted?: boolean } = {}): T {
  return storage.run({ rows: new Map(), accountsWanted: options.accountsWanted === true, accounts: new Map(), holding: false, writes: new Map(), storing: undefined, storesUnderWay: 0 }, work);
}

export const requestReads = {
  /** Keeps a row (or null: known to be absent) for this request; outside a request, nothing. */
  remember(model: string, by: 'id' | 'uid', value: string, row: StoredPayload | null): void {
    storage.getStore()?.rows.set(keyFor(model, by, value), row);
  },
  /**
   * Keeps the row a round trip already under way will bring. Its failure is the caller's to report:
   * whoever recalls it gets the same error, and nobody recalling it is not an unhandled rejection.
   */
  rememberPending(model: string, by: 'id' | 'uid', value: string, row: Promise<StoredPayload | null>): void {
    const reads = storage.getStore();
    if (!reads) return;
    row.catch(() => undefined);
    reads.rows.set(keyFor(model, by, value), row);
  },
  /** The row read ahead in this request: a row, null (absent), its promise, or undefined (not read ahead). */
  recall(model: string, by: 'id' | 'uid', value: string): Read | Promise<Read> | undefined {
    return storage.getStore()?.rows.get(keyFor(model, by, value));
  },
  /** A write to a model makes what was read ahead of it stale. */
  forgetModel(model: string): void {
    const reads = storage.getStore();
    if (!reads) return;
    for (const key of reads.rows.keys()) if (key.startsWith(`${model}\u0000`)) reads.rows.delete(key);
  },
  /** revokeByGrantId and the like touch rows of several models. */
  forgetAll(): void {
    const reads = storage.getStore();
    reads?.rows.clear();
    reads?.accounts.clear();
  },
  /** Whether this request's payload look-ups should bring the account each names. */
  accountsWanted(): boolean {
    return storage.getStore()?.accountsWanted === true;
  },
  /** Keeps the account read with a payload (null: the payload names an account that is gone). */
  rememberAccount(id: string, read: AccountWithProofs | null): void {
    storage.getStore()?.accounts.set(id, read);
  },
  /** The account read ahead under this id in this request, or undefined (not read ahead). */
  recallAccount(id: string): AccountWithProofs | null | undefined {
    return storage.getStore()?.accounts.get(id);
  },
  /** From now on this request's writes are held (held-writes.ts, which stores them at its end); false outside a request. */
  startHoldingWrites(): boolean {
    const reads = storage.getStore();
    if (reads) reads.holding = true;
    return reads !== undefined;
  },
  /** Holds a write when this request holds its writes (it replaces an earlier write of the same row); false: store it now. */
  holdWrite(write: PayloadWrite): boolean {
    const reads = storage.getStore();
    if (!reads?.holding) return false;
    reads.writes.set(keyFor(write.model, 'id', write.id), write);
    return true;
  },
  /**
   * Stores the writes held so far with `store` (after any store still under way) and returns that
   * store; with none held, the one under way (or nothing). Whoever reads next awaits it first.
   */
  settleWrites(store: (writes: PayloadWrite[]) => Promise<void>): Promise<void> {
    const reads = storage.getStore();
    if (!reads) return Promise.resolve();
    if (reads.writes.size > 0) {
      const writes = [...reads.writes.values()];
      reads.writes.clear();
      reads.storesUnderWay += 1;
      // A store that failed was reported to whoever awaited it; these writes are tried on their own.
      reads.storing = (reads.storing ?? Promise.resolve())
        .catch(() => undefined)
        .then(() => store(writes))
        .finally(() => {
          reads.storesUnderWay -= 1;
        });
    }
    return reads.storing ?? Promise.resolve();
  },
  /** Whether writes are held that no store has taken yet. */
  hasHeldWrites(): boolean {
    return (storage.getStore()?.writes.size ?? 0) > 0;
  },
  /** Whether a read must wait for a store first: writes held, or a store of them under way. */
  mustStoreBeforeReading(): boolean {
    const reads = storage.getStore();
    return reads !== undefined && (reads.writes.size > 0 || reads.storesUnderWay > 0);
  },
};
