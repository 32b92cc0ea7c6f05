// Relying parties as oidc-provider sees them: metadata from the clients table with the secret
// decrypted, behind a short per-node cache (oidc-provider asks on every request). A dynamically
// registered client never carries operator-only metadata, whatever its row holds. A disabled
// client is "not found" here, the one place oidc-provider and the cases API load clients from.

import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import {
  deleteClientRow,
  findClientRow,
  listClientRows,
  setClientDisabledAt,
  upsertClientRow,
  type ClientRow,
  type ClientSource,
} from '../repositories/clients.js';
import { withoutOperatorOnly } from './operator-metadata.js';
import type { SecretBox } from './secret-box.js';

export type ClientMetadata = Record<string, unknown> & { client_id: string; client_secret?: string };

export interface StoredClient {
  metadata: ClientMetadata;
  source: ClientSource;
  disabledAt: Date | undefined;
}

export interface ClientStore {
  /** The client as the provider may use it: undefined when unknown or disabled. */
  find(clientId: string): Promise<ClientMetadata | undefined>;
  /** For operators: the client whether enabled or not, with its source and when it was disabled. */
  lookup(clientId: string): Promise<StoredClient | undefined>;
  /** Disables (`at`) or enables (undefined) a client at once on this node; false when unknown. */
  setDisabled(clientId: string, at: Date | undefined): Promise<boolean>;
  /** Who registered the client (an operator's file or CLI, development, or dynamic registration). */
  sourceOf(clientId: string): Promise<ClientSource | undefined>;
  save(metadata: ClientMetadata, source: ClientSource): Promise<void>;
  remove(clientId: string): Promise<boolean>;
  /** Enabled clients only, unless `includeDisabled` (the operators' lists). */
  list(options?: { includeDisabled?: boolean }): Promise<Array<{ clientId: string; source: ClientSource; metadata: Record<string, unknown>; createdAt: Date; disabledAt: Date | undefined }>>;
  invalidate(clientId?: string): void;
}

const secretAad = (clientId: string) => `clients.secret:${clientId}`;

export function createClientStore(deps: { db: Kysely<DB>; box: SecretBox; cacheSeconds: number; now?: () => number }): ClientStore {
  const { db, box, cacheSeconds } = deps;
  const now = deps.now ?? Date.now;
  const cache = new Map<string, { value: StoredClient | undefined; until: number }>();

  const hydrate = (row: ClientRow): ClientMetadata => {
    const own = row.source === 'registration' ? withoutOperatorOnly(row.metadata) : row.metadata;
    const metadata: ClientMetadata = { ...own, client_id: row.clientId };
    if (row.secretEnvelope) metadata.client_secret = box.decrypt(row.secretEnvelope, secretAad(row.clientId));
    return metadata;
  };

  const load = async (clientId: string) => {
    const hit = cache.get(clientId);
    if (hit && hit.until > now()) return hit;
    const row = await findClientRow(db, clientId);
    const value = row ? { metadata: hydrate(row), source: row.source, disabledAt: row.disabledAt ?? undefined } : undefined;
    const entry = { value, until: now() + cacheSeconds * 1000 };
    if (cacheSeconds > 0) {
      if (cache.size > 1000) cache.clear();
      cache.set(clientId, entry);
    }
    return entry;
  };

  return {
    async find(clientId) {
      const { value } = await load(clientId);
      return value && !value.disabledAt ? value.metadata : undefined;
    },
    async lookup(clientId) {
      return (await load(clientId)).value;
    },
    async setDisabled(clientId, at) {
      cache.delete(clientId);
      return setClientDisabledAt(db, clientId, at ?? null);
    },
    async sourceOf(clientId) {
      return (await load(clientId)).value?.source;
    },
    async save(metadata, source) {
      const { client_secret: secret, client_id: clientId, ...rest } = metadata;
      await upsertClientRow(db, {
        clientId,
        metadata: rest,
        secretEnvelope: secret ? box.encrypt(secret, secretAad(clientId)) : null,
        source,
      });
      cache.delete(clientId);
    },
    async remove(clientId) {
      cache.delete(clientId);
      return deleteClientRow(db, clientId);
    },
    async list(options = {}) {
      const rows = (await listClientRows(db)).filter((r) => options.includeDisabled || !r.disabledAt);
      return rows.map((r) => ({ clientId: r.clientId, source: r.source, metadata: r.metadata, createdAt: r.createdAt, disabledAt: r.disabledAt ?? undefined }));
    },
    invalidate(clientId) {
      if (clientId) cache.delete(clientId);
      else cache.clear();
    },
  };
}

/** A new client secret: 32 random bytes, base64url. */
export function generateClientSecret(): string {
  return randomBytes(32).toString('base64url');
}
