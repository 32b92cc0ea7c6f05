// What oidc-provider learns about an account: findAccount and the claims each scope releases,
// plus the extra claims stamped on access tokens.

import type { FindAccount, KoaContextWithOIDC } from 'oidc-provider';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import type { Secrets } from '../services/secrets.js';

export interface AccountClaims {
  findAccount: FindAccount;
  accessTokenClaims: (ctx: KoaContextWithOIDC, accountId: string) => Promise<Record<string, unknown> | undefined>;
}

export function createAccountClaims(_deps: { db: Kysely<DB>; secrets: Secrets }): AccountClaims {
  // Accounts arrive with the citizens tables; until then no subject exists.
  return {
    findAccount: async () => undefined,
    accessTokenClaims: async () => undefined,
  };
}
