// Seeds the bench database directly (the bench owns it): accounts with the provider's own
// encryption and blind indexes but ONE shared bcrypt hash (hashing 100 000 passwords at cost 10
// would take longer than the whole bench), captchas whose answer the bench knows, and synthetic
// stored tokens for the growth check. Seeded citizens have agreed to the policy texts in force, so
// sign-ins go straight back to the client (no policies page).

import { randomUUID } from 'node:crypto';
import { sql, type Insertable, type Kysely } from 'kysely';
import type { DB } from '../../src/db/schema.js';
import { gb11643CheckChar } from '../../src/domain/documents.js';
import { piiAad } from '../../src/services/accounts.js';
import { hashSecret } from '../../src/services/crypto/index.js';
import type { Secrets } from '../../src/services/secrets.js';

/** Seeded account `i` (0-based): its 11-digit mobile number, the sign-in identifier. */
export function seededPhone(i: number): string {
  return `139${String(i).padStart(8, '0')}`;
}

/** A valid GB 11643 resident ID unique per `i` (birth date from i / 1000, sequence i % 1000). */
export function seededDocument(i: number): string {
  const birth = new Date(Date.UTC(1950, 0, 1) + Math.floor(i / 1000) * 86_400_000);
  const ymd = birth.toISOString().slice(0, 10).replace(/-/g, '');
  const first17 = `320102${ymd}${String(i % 1000).padStart(3, '0')}`;
  return first17 + gb11643CheckChar(first17);
}

const surnames = ['王', '李', '张', '刘', '陈', '杨', '黄', '赵', '吴', '周'];

/**
 * Inserts accounts [from, to) with document, phone and the given password hash, in batches, each
 * having agreed to `policyVersion` (the provider's config.site.policiesFile version).
 */
export async function seedAccounts(db: Kysely<DB>, secrets: Secrets, passwordHash: string, from: number, to: number, policyVersion: string): Promise<void> {
  const batch = 1000;
  const now = new Date();
  for (let start = from; start < to; start += batch) {
    const end = Math.min(to, start + batch);
    const accounts: Insertable<DB['accounts']>[] = [];
    const documents: Insertable<DB['account_documents']>[] = [];
    const phones: Insertable<DB['phones']>[] = [];
    const credentials: Insertable<DB['password_credentials']>[] = [];
    for (let i = start; i < end; i += 1) {
      const id = randomUUID();
      const document = seededDocument(i);
      const phone = `+86${seededPhone(i)}`;
      accounts.push({ id, name_envelope: secrets.cipher.encrypt(`${surnames[i % 10] ?? '王'}测试${i}`, piiAad.name(id)), needs_phone: false, created_at: now, updated_at: now, policy_version: policyVersion, policy_accepted_at: now });
      documents.push({ account_id: id, cert_type: '01', number_envelope: secrets.cipher.encrypt(document, piiAad.documentNumber(id)), number_index: secrets.blindIndex('document', document), created_at: now });
      phones.push({ account_id: id, phone_envelope: secrets.cipher.encrypt(phone, piiAad.phone(id)), phone_index: secrets.blindIndex('phone', phone), verified_at: now });
      credentials.push({ account_id: id, hash: passwordHash, updated_at: now });
    }
    await db.transaction().execute(async (trx) => {
      await trx.insertInto('accounts').values(accounts).execute();
      await trx.insertInto('account_documents').values(documents).execute();
      await trx.insertInto('phones').values(phones).execute();
      await trx.insertInto('password_credentials').values(credentials).execute();
    });
  }
}

/** Inserts `count` captchas whose answer is `answer`; returns their ids. */
export async function seedCaptchas(db: Kysely<DB>, otpKey: Buffer, answer: string, count: number, ttlSeconds: number): Promise<string[]> {
  const ids: string[] = [];
  const now = new Date();
  const answerHash = hashSecret(otpKey, answer.trim().toLowerCase());
  for (let start = 0; start < count; start += 1000) {
    const rows: Insertable<DB['captchas']>[] = [];
    for (let i = start; i < Math.min(count, start + 1000); i += 1) {
      const id = randomUUID();
      ids.push(id);
      rows.push({ id, answer_hash: answerHash, expires_at: new Date(now.getTime() + ttlSeconds * 1000), created_at: now });
    }
    await db.insertInto('captchas').values(rows).execute();
  }
  return ids;
}

/**
 * Adds `count` synthetic stored tokens (the mix a live node holds: access and refresh tokens,
 * grants, sessions, interactions, codes; with grant ids and uids so every index grows), unexpired,
 * or `expired` an hour ago (past the purge's margin: work for the purge).
 */
export async function seedStoredTokens(db: Kysely<DB>, count: number, expired = false): Promise<void> {
  const expiresAt = expired ? sql`now() - interval '1 hour'` : sql`now() + interval '1 hour'`;
  const chunk = 100_000;
  for (let done = 0; done < count; done += chunk) {
    const n = Math.min(chunk, count - done);
    await sql`
      insert into oidc_payloads (model, id, payload, grant_id, uid, expires_at, created_at)
      select m.model,
             md5(random()::text || g::text),
             jsonb_build_object('kind', m.model, 'jti', md5(g::text), 'accountId', gen_random_uuid()::text,
                                'clientId', 'bench-rp', 'scope', 'openid profile phone',
                                'grantId', 'g' || (g / 4)::text, 'iat', extract(epoch from now())::int,
                                'exp', extract(epoch from now())::int + 3600),
             'g' || (g / 4)::text,
             case when m.model in ('Session', 'Interaction') then md5('uid' || g::text) end,
             ${expiresAt},
             now()
      from generate_series(1, ${n}) g
      join (values (0, 'AccessToken'), (1, 'RefreshToken'), (2, 'Grant'), (3, 'Session'), (4, 'Interaction'), (5, 'AuthorizationCode'))
        as m(k, model) on m.k = g % 6
    `.execute(db);
  }
}
