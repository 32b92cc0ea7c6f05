// The flow engine: start a journey bound to this browser, load it expecting given states, and
// advance it along a declared transition with optimistic locking. Expired, foreign, unknown or
// out-of-order flows raise FlowError, which pages turn into a friendly "start again".

import { createHmac, randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import type { Clock } from '../../domain/clock.js';
import { AppError } from '../../errors/app-error.js';
import { findFlow, insertFlow, updateFlowIfVersion, type FlowRow } from '../../repositories/flows.js';
import type { FlowDefinition } from './definition.js';
import { isUuid } from '../../domain/ids.js';

export type FlowErrorReason = 'not_found' | 'expired' | 'wrong_browser' | 'out_of_order' | 'conflict';

export class FlowError extends AppError {
  readonly reason: FlowErrorReason;
  constructor(reason: FlowErrorReason) {
    super(reason === 'expired' ? 'flow.expired' : 'flow.invalid', reason === 'conflict' ? 409 : 400);
    this.name = 'FlowError';
    this.reason = reason;
  }
}

export interface Flow<S extends string, F extends Record<string, unknown>> {
  id: string;
  kind: string;
  state: S;
  facts: F;
  interactionUid: string | null;
  accountId: string | null;
  version: number;
  expiresAt: Date;
}

export interface FlowStore {
  start<S extends string, F extends Record<string, unknown>>(
    def: FlowDefinition<S>,
    browserId: string,
    init: { facts: F; interactionUid?: string | null; accountId?: string | null; state?: S },
  ): Promise<Flow<S, F>>;
  load<S extends string, F extends Record<string, unknown>>(def: FlowDefinition<S>, id: string, browserId: string, expected: readonly S[]): Promise<Flow<S, F>>;
  advance<S extends string, F extends Record<string, unknown>>(
    def: FlowDefinition<S>,
    flow: Flow<S, F>,
    to: S,
    patch?: Partial<F>,
    options?: { accountId?: string | null },
  ): Promise<Flow<S, F>>;
}


export function createFlowStore(deps: { db: Kysely<DB>; clock: Clock; bindingKey: Buffer }): FlowStore {
  const { db, clock } = deps;
  const browserHash = (browserId: string) => createHmac('sha256', deps.bindingKey).update(browserId).digest('base64url');

  const toFlow = <S extends string, F extends Record<string, unknown>>(row: FlowRow): Flow<S, F> => ({
    id: row.id,
    kind: row.kind,
    state: row.state as S,
    facts: row.facts as F,
    interactionUid: row.interactionUid,
    accountId: row.accountId,
    version: row.version,
    expiresAt: row.expiresAt,
  });

  return {
    async start(def, browserId, init) {
      const now = clock.now();
      const row: Omit<FlowRow, 'version'> = {
        id: randomUUID(),
        kind: def.kind,
        state: init.state ?? def.initial,
        facts: init.facts,
        interactionUid: init.interactionUid ?? null,
        accountId: init.accountId ?? null,
        browserHash: browserHash(browserId),
        expiresAt: new Date(now.getTime() + def.ttlSeconds * 1000),
      };
      await insertFlow(db, row, now);
      return toFlow({ ...row, version: 1 });
    },

    async load(def, id, browserId, expected) {
      if (!isUuid(id)) throw new FlowError('not_found');
      const row = await findFlow(db, id);
      if (!row || row.kind !== def.kind) throw new FlowError('not_found');
      if (row.browserHash !== browserHash(browserId)) throw new FlowError('wrong_browser');
      if (row.expiresAt.getTime() <= clock.now().getTime()) throw new FlowError('expired');
      if (!expected.includes(row.state as (typeof expected)[number])) throw new FlowError('out_of_order');
      return toFlow(row);
    },

    async advance(def, flow, to, patch = {}, options = {}) {
      const allowed = def.transitions[flow.state] ?? [];
      if (to !== flow.state && !allowed.includes(to)) throw new FlowError('out_of_order');
      const facts = { ...flow.facts, ...patch };
      const accountId = options.accountId !== undefined ? options.accountId : flow.accountId;
      const moved = await updateFlowIfVersion(db, flow.id, flow.version, { state: to, facts, accountId, expiresAt: flow.expiresAt }, clock.now());
      if (!moved) throw new FlowError('conflict');
      return { ...flow, state: to, facts, accountId, version: flow.version + 1 };
    },
  };
}
