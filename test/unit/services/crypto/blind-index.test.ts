import t from 'tap';
import { randomBytes } from 'node:crypto';
import { CryptoConfigError, createBlindIndex, deriveKeys, type BlindIndexPurpose } from '../../../../src/services/crypto/index.js';

const key = deriveKeys(randomBytes(32)).blindIndex;
const index = createBlindIndex(key);

t.test('deterministic hex HMAC', async (t) => {
  const a = index('document', '32010219900101123X');
  t.equal(a, index('document', '32010219900101123X'));
  t.equal(a, createBlindIndex(Buffer.from(key))('document', '32010219900101123X'), 'same key, new instance');
  t.match(a, /^[0-9a-f]{64}$/);
  t.not(a, index('document', '32010219900101123x'), 'no normalisation here: callers normalise');
});

t.test('purpose and key separate digests', async (t) => {
  const value = '13800138000';
  const digests = (['document', 'phone', 'identifier'] as const).map((p) => index(p, value));
  t.equal(new Set(digests).size, 3);
  t.not(createBlindIndex(randomBytes(32))('phone', value), index('phone', value));
  t.not(index('phone', ''), index('document', ''));
});

t.test('misuse is refused', async (t) => {
  t.throws(() => createBlindIndex(randomBytes(16)), CryptoConfigError);
  t.throws(() => index('email' as BlindIndexPurpose, 'x'), CryptoConfigError);
  t.throws(() => index('phone', 13800138000 as unknown as string), CryptoConfigError);
});
