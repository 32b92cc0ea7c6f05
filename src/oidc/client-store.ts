// Relying parties as oidc-provider sees them: metadata from the clients table with the secret
// decrypted, behind a short per-node cache (oidc-provider asks on every request).

import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import {
  deleteClientRow,
  findClientRow,
  listClientRows,
  upsertClientRow,
  type ClientRow,
  type ClientSource,
} from '../repositories/clients.js';
import type { SecretBox } from './secret-box.js';

export type ClientMetadata = Record<string, unknown> & { client_id: string; client_secret?: string };

export interface ClientStore {
  find(clientId: string): Promise<ClientMetadata | undefined>;
  save(metadata: ClientMetadata, source: ClientSource): Promise<void>;
  remove(clientId: string): Promise<boolean>;
  list(): Promise<Array<{ clientId: string; source: ClientSource; metadata: Record<string, unknown>; createdAt: Date }>>;
  invalidate(clientId?: string): void;
}

const secretAad = (clientId: string) => `clients.secret:${clientId}`;

export function createClientStore(deps: { db: Kysely<DB>; box: SecretBox; cacheSeconds: number; now?: () => number }): ClientStore {
  const { db, box, cacheSeconds } = deps;
  const now = deps.now ?? Date.now;
  const cache = new Map<string, { value: ClientMetadata | undefined; until: number }>();

  const hydrate = (row: ClientRow): ClientMetadata => {
    const metadata: ClientMetadata = { ...row.metadata, client_id: row.clientId };
    if (row.secretEnvelope) metadata.client_secret = box.decrypt(row.secretEnvelope, secretAad(row.clientId));
    return metadata;
  };

  return {
    async find(clientId) {
      const hit = cache.get(clientId);
      if (hit && hit.until > now()) return hit.value;
      const row = await findClientRow(db, clientId);
      const value = row ? hydrate(row) : undefined;
      if (cacheSeconds > 0) {
        if (cache.size > 1000) cache.clear();
        cache.set(clientId, { value, until: now() + cacheSeconds * 1000 });
      }
      return value;
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
    async list() {
      const rows = await listClientRows(db);
      return rows.map((r) => ({ clientId: r.clientId, source: r.source, metadata: r.metadata, createdAt: r.createdAt }));
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
