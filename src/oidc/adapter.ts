// oidc-provider's persistence: every model in oidc_payloads, Client from the clients table. `consume`
// is one conditional update, so a code redeems once. A token is read with its grant, session,
// same-value twin and (where claims follow) its account in one round trip (request-reads.ts). Where
// the request holds writes, upserts and removals are kept and stored in one statement before the
// next read (read-your-writes) and at the request's end (held-writes.ts).

import { errors, type Adapter, type AdapterFactory, type AdapterPayload } from 'oidc-provider';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { isDatabaseUnavailable } from '../db/unavailable.js';
import type { Clock } from '../domain/clock.js';
import {
  consumePayload,
  destroyByGrantId,
  destroyPayload,
  findPayload,
  findPayloadBy,
  findPayloadWithRelations,
  upsertPayload,
  writePayloads,
  type StoredPayload,
} from '../repositories/oidc-payloads.js';
import type { ClientMetadata, ClientStore } from './client-store.js';
import { requestReads } from './request-reads.js';

/** Tokens whose grant and session oidc-provider always looks up next: read together. */
const tokensWithRelations = new Set(['AccessToken', 'RefreshToken', 'AuthorizationCode']);

/**
 * Where a payload names its account: read with it when the request reads that account next
 * (requestReads.accountsWanted: userinfo and the token endpoint build claims, the return from an
 * interaction checks the account it signed in).
 */
const accountIdAt: Readonly<Record<string, readonly string[]>> = {
  AccessToken: ['accountId'],
  RefreshToken: ['accountId'],
  AuthorizationCode: ['accountId'],
  Interaction: ['result', 'login', 'accountId'],
};

/**
 * Introspection and revocation look a value up as an access token and, in the same tick, as a
 * client-credentials token (oidc-provider's findToken): both rows come in the access token's round trip.
 */
const twinOf: Readonly<Record<string, string>> = { AccessToken: 'ClientCredentials' };

/** A database outage becomes OAuth temporarily_unavailable (HTTP 503), never a server_error. */
async function guarded<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (isDatabaseUnavailable(err)) {
      const unavailable = new errors.TemporarilyUnavailable('the service is temporarily unavailable, try again shortly');
      Object.assign(unavailable, { status: 503, statusCode: 503 });
      throw unavailable;
    }
    throw err;
  }
}

/** Stores the writes this request has held (one statement); every database read and the request's end await it. */
export function storeHeldWrites(db: Kysely<DB>): Promise<void> {
  return requestReads.settleWrites((writes) => guarded(() => writePayloads(db, writes)));
}

/**
 * Runs a database read after the store of held writes when there is one to wait for; otherwise at
 * once, in the same tick: look-ups made together must reach the read-ahead before it is under way
 * (introspection's twin look-up).
 */
function afterHeldWrites<T>(db: Kysely<DB>, read: () => Promise<T>): Promise<T> {
  return requestReads.mustStoreBeforeReading() ? storeHeldWrites(db).then(read) : read();
}

function toProviderPayload(stored: StoredPayload | undefined): AdapterPayload | undefined {
  if (!stored) return undefined;
  const payload = stored.payload as AdapterPayload;
  if (stored.consumedAt) return { ...payload, consumed: Math.floor(stored.consumedAt.getTime() / 1000) };
  return payload;
}

class KyselyAdapter implements Adapter {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly clock: Clock,
    private readonly model: string,
  ) {}

  async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
    requestReads.forgetModel(this.model);
    const expiresAt = expiresIn ? new Date(this.clock.now().getTime() + expiresIn * 1000) : null;
    const write = { model: this.model, id, payload: payload as Record<string, unknown>, expiresAt };
    if (requestReads.holdWrite(write)) return;
    await guarded(() => upsertPayload(this.db, write));
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    const ahead = requestReads.recall(this.model, 'id', id);
    if (ahead !== undefined) return toProviderPayload((await ahead) ?? undefined);
    return afterHeldWrites(this.db, () => this.read(id));
  }

  private async read(id: string): Promise<AdapterPayload | undefined> {
    const accountAt = requestReads.accountsWanted() ? accountIdAt[this.model] : undefined;
    if (!tokensWithRelations.has(this.model) && !accountAt) return toProviderPayload(await guarded(() => findPayload(this.db, this.model, id)));
    const twin = twinOf[this.model];
    const reading = guarded(() => findPayloadWithRelations(this.db, this.model, id, { twinModel: twin, accountIdAt: accountAt }));
    if (twin) requestReads.rememberPending(twin, 'id', id, reading.then((f) => f.twin?.row ?? null));
    const found = await reading;
    if (found.grant) requestReads.remember('Grant', 'id', found.grant.id, found.grant.row);
    if (found.session) requestReads.remember('Session', 'uid', found.session.uid, found.session.row);
    if (found.account) requestReads.rememberAccount(found.account.id, found.account.read);
    return toProviderPayload(found.token);
  }

  async findByUid(uid: string): Promise<AdapterPayload | undefined> {
    const ahead = requestReads.recall(this.model, 'uid', uid);
    if (ahead !== undefined) return toProviderPayload((await ahead) ?? undefined);
    return toProviderPayload(await afterHeldWrites(this.db, () => guarded(() => findPayloadBy(this.db, this.model, 'uid', uid))));
  }

  async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    return toProviderPayload(await afterHeldWrites(this.db, () => guarded(() => findPayloadBy(this.db, this.model, 'user_code', userCode))));
  }

  async consume(id: string): Promise<void> {
    requestReads.forgetModel(this.model);
    const consumed = await afterHeldWrites(this.db, () => guarded(() => consumePayload(this.db, this.model, id, this.clock.now())));
    if (!consumed) throw new errors.InvalidGrant('grant has already been used');
  }

  async destroy(id: string): Promise<void> {
    requestReads.forgetModel(this.model);
    if (requestReads.holdWrite({ model: this.model, id, payload: null })) return;
    await guarded(() => destroyPayload(this.db, this.model, id));
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    requestReads.forgetAll();
    await afterHeldWrites(this.db, () => guarded(() => destroyByGrantId(this.db, this.model, grantId)));
  }
}

class ClientAdapter implements Adapter {
  constructor(private readonly store: ClientStore) {}

  async upsert(id: string, payload: AdapterPayload): Promise<void> {
    await guarded(() => this.store.save({ ...(payload as Record<string, unknown>), client_id: id } as ClientMetadata, 'registration'));
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    return (await guarded(() => this.store.find(id))) as AdapterPayload | undefined;
  }

  async destroy(id: string): Promise<void> {
    await guarded(() => this.store.remove(id));
  }

  async findByUid(): Promise<undefined> {
    return undefined;
  }

  async findByUserCode(): Promise<undefined> {
    return undefined;
  }

  async consume(): Promise<void> {}

  async revokeByGrantId(): Promise<void> {}
}

export { guarded as guardDatabase };

export function createAdapterFactory(deps: { db: Kysely<DB>; clock: Clock; clients: ClientStore }): AdapterFactory {
  return (model: string) =>
    model === 'Client' ? new ClientAdapter(deps.clients) : new KyselyAdapter(deps.db, deps.clock, model);
}
