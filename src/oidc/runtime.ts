// Holds the live oidc-provider instance and rebuilds it when the key set changes (a rotation on
// any node), so every node signs with the newest keys and still verifies the previous ones.

import mount from 'koa-mount';
import type { Middleware } from 'koa';
import type Provider from 'oidc-provider';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import type { Clock } from '../domain/clock.js';
import type { Logger } from '../log/logger.js';
import { keySetFingerprint } from '../repositories/signing-keys.js';
import { loadKeyMaterial, type KeyMaterial } from './keys.js';
import { publicDocumentCache } from './public-documents.js';
import { holdsPayloadWrites, readsAccountAfterPayload } from '../http/protocol-paths.js';
import { withHeldWritesStored } from './held-writes.js';
import { withRequestReads } from './request-reads.js';
import type { SecretBox } from './secret-box.js';

export interface OidcRuntime {
  readonly provider: Provider;
  /** Cookie signing keys in force (newest first); the host Koa app signs its cookies with them too. */
  readonly cookieKeys: string[];
  /** Middleware that hands the request to the current provider (discovery and JWKS from its cache). */
  readonly middleware: Middleware;
  /** Reloads keys now if the key set changed; returns true when the provider was rebuilt. */
  refreshKeys(): Promise<boolean>;
  stop(): void;
}

export async function createOidcRuntime(deps: {
  db: Kysely<DB>;
  box: SecretBox;
  clock: Clock;
  logger: Logger;
  reloadSeconds: number;
  configuredCookieKeys: readonly string[];
  build: (keys: KeyMaterial) => Provider;
}): Promise<OidcRuntime> {
  let fingerprint = await keySetFingerprint(deps.db);
  let material = await loadKeyMaterial(deps.db, deps.box, deps.clock, deps.configuredCookieKeys);
  let provider = deps.build(material);
  let mounted = mount(provider);

  const cache = publicDocumentCache(() => provider);

  const refreshKeys = async () => {
    const next = await keySetFingerprint(deps.db);
    if (next === fingerprint) return false;
    material = await loadKeyMaterial(deps.db, deps.box, deps.clock, deps.configuredCookieKeys);
    provider = deps.build(material);
    mounted = mount(provider);
    fingerprint = next;
    deps.logger.info('key set changed: provider rebuilt with the new keys');
    return true;
  };

  const timer = setInterval(() => {
    refreshKeys().catch((err: unknown) => deps.logger.warn({ err: (err as Error).message }, 'key reload failed'));
  }, deps.reloadSeconds * 1000);
  timer.unref();

  return {
    get provider() {
      return provider;
    },
    get cookieKeys() {
      return material.cookieKeys;
    },
    middleware: (ctx, next) => {
      const handle = () => cache(ctx, () => mounted(ctx, next));
      const holding = holdsPayloadWrites(ctx.path);
      return withRequestReads(holding ? () => withHeldWritesStored(ctx, deps.db, handle) : handle, { accountsWanted: readsAccountAfterPayload(ctx.path) });
    },
    refreshKeys,
    stop: () => clearInterval(timer),
  };
}
