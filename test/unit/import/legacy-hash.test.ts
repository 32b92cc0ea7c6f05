// Legacy password formats against known-answer vectors (computed with `openssl dgst`, not with the
// code under test): salted MD5, SHA-1, SHA-256 and SM3 with the salt before or after the password,
// hex or base64, and bcrypt (the crypt_blowfish vector); the descriptor refuses what it cannot read.

import t from 'tap';
import bcrypt from 'bcryptjs';
import {
  isLegacyDigestHash,
  parseLegacyPasswordFormat,
  toStoredLegacyHash,
  verifyLegacyDigestHash,
  type LegacyPasswordFormat,
} from '../../../src/services/crypto/legacy-hash.js';
import { parseDescriptor } from '../../../src/import/descriptor.js';

const password = 'Passw0rd!';
const salt = 's4lt';
// printf 's4ltPassw0rd!' | openssl dgst -<alg>   and   printf 'Passw0rd!s4lt' | openssl dgst -<alg>
const vectors = {
  md5: { prefix: 'efd911328fb806625d7865093320071d', suffix: 'd9d99b83bdc9ecb42868ecdec4cf8275' },
  sha1: { prefix: '8345d50a1dcba21b1b8ee34629c362938d6c146e', suffix: 'f8d7b8e555882b2993b22e5c3ecdd4f46e919f08' },
  sha256: { prefix: '45849d97ba8e49689cd95d2afb24b81fc7ed073311fd878289bded27710855dc', suffix: 'aabcb4f238081e4c25bc63913c8ce19c7dd223b15b16525eed065929554fe6a3' },
  sm3: { prefix: '38254dcd38061c8332a1845ca7c1e9808c453cd0c881129468e0647e08a0a229', suffix: '0782a2b819cd82373b408503fea6059d415d64c0e2293fa71a62d457347ea370' },
} as const;

function stored(format: LegacyPasswordFormat, hash: string, saltText = salt): string {
  const result = toStoredLegacyHash(format, hash, saltText);
  if (!result.ok) throw new Error(result.code);
  return result.stored;
}

for (const [algorithm, byPlacement] of Object.entries(vectors)) {
  for (const [placement, hex] of Object.entries(byPlacement)) {
    t.test(`salted ${algorithm}, salt as ${placement}`, async (t) => {
      const format = parseLegacyPasswordFormat({ algorithm, salt: placement });
      const hash = stored(format, hex);
      t.ok(isLegacyDigestHash(hash), 'stored as a legacy digest');
      t.ok(verifyLegacyDigestHash(password, hash), 'the right password matches the vector');
      t.notOk(verifyLegacyDigestHash('Passw0rd?', hash), 'a wrong password does not');
      const other = placement === 'prefix' ? 'suffix' : 'prefix';
      t.notOk(verifyLegacyDigestHash(password, stored(parseLegacyPasswordFormat({ algorithm, salt: other }), hex)), 'the other salt placement does not match: placement is declared, never guessed');
    });
  }
}

t.test('hex salt and base64 digest encodings', async (t) => {
  const format = parseLegacyPasswordFormat({ algorithm: 'sha256', salt: 'suffix', salt_encoding: 'hex', hash_encoding: 'base64' });
  const hash = stored(format, 'qry08jgIHkwlvGORPIzhnH3SI7FbFlJe7QZZKVVP5qM=', Buffer.from(salt).toString('hex'));
  t.ok(verifyLegacyDigestHash(password, hash));
});

t.test('bcrypt hashes are kept as they are and verify with bcrypt', async (t) => {
  const format = parseLegacyPasswordFormat({ algorithm: 'bcrypt' });
  // crypt_blowfish's test vector; PHP's $2y$ prefix names the same algorithm.
  for (const vector of ['$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW', '$2y$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW']) {
    const hash = stored(format, vector, '');
    t.equal(hash, vector);
    t.notOk(isLegacyDigestHash(hash));
    t.ok(bcrypt.compareSync('U*U', hash), `${vector.slice(0, 4)} verifies`);
  }
});

t.test('malformed hashes and missing salts are refused', async (t) => {
  const sha1 = parseLegacyPasswordFormat({ algorithm: 'sha1', salt: 'prefix' });
  t.same(toStoredLegacyHash(sha1, vectors.md5.prefix, salt), { ok: false, code: 'password.malformed_hash' }, 'an MD5-length digest for SHA-1');
  t.same(toStoredLegacyHash(sha1, 'zz', salt), { ok: false, code: 'password.malformed_hash' });
  t.same(toStoredLegacyHash(sha1, vectors.sha1.prefix, ''), { ok: false, code: 'password.salt_missing' });
  t.same(toStoredLegacyHash(parseLegacyPasswordFormat({ algorithm: 'bcrypt' }), '$2a$05$short', ''), { ok: false, code: 'password.malformed_hash' });
  t.throws(() => verifyLegacyDigestHash(password, '$legacy$v1$md4$prefix$AA$AA'));
});

t.test('the descriptor names the platform and a known format', async (t) => {
  t.same(parseDescriptor({ platform: 'old-jsrs', password: { algorithm: 'sm3', salt: 'suffix' } }), {
    platform: 'old-jsrs',
    password: { algorithm: 'sm3', salt: 'suffix', saltEncoding: 'utf8', hashEncoding: 'hex' },
  });
  t.throws(() => parseDescriptor({ platform: 'old-jsrs', password: { algorithm: 'sha512', salt: 'prefix' } }), /password.algorithm/);
  t.throws(() => parseDescriptor({ platform: 'old-jsrs', password: { algorithm: 'md5' } }), /password.salt/, 'the salt placement must be declared');
  t.throws(() => parseDescriptor({ platform: 'Old JSRS', password: { algorithm: 'bcrypt' } }), /platform/);
});
