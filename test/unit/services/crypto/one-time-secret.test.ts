import t from 'tap';
import { randomBytes } from 'node:crypto';
import {
  CryptoConfigError,
  generateNumericCode,
  generateToken,
  hashSecret,
  verifySecret,
} from '../../../../src/services/crypto/index.js';

const key = randomBytes(32);

t.test('generateNumericCode', async (t) => {
  t.match(generateNumericCode(), /^\d{6}$/);
  t.match(generateNumericCode(8), /^\d{8}$/);
  t.match(generateNumericCode(12), /^\d{12}$/);
  for (const bad of [3, 13, 6.5, Number.NaN]) t.throws(() => generateNumericCode(bad), RangeError);
  // Rough uniformity: every leading digit appears, and leading zeros are kept.
  const first = new Map<string, number>();
  for (let i = 0; i < 5000; i += 1) {
    const code = generateNumericCode(4);
    t.equal(code.length, 4);
    const d = code[0] ?? '';
    first.set(d, (first.get(d) ?? 0) + 1);
  }
  t.equal(first.size, 10, 'all ten leading digits, including 0');
  for (const count of first.values()) t.ok(count > 300 && count < 700, `count ${count} near 500`);
});

t.test('generateToken', async (t) => {
  const token = generateToken();
  t.match(token, /^[A-Za-z0-9_-]{43}$/);
  t.equal(Buffer.from(token, 'base64url').length, 32);
  t.not(generateToken(), token);
  t.equal(Buffer.from(generateToken(16), 'base64url').length, 16);
  t.throws(() => generateToken(8), RangeError);
});

t.test('hashSecret / verifySecret', async (t) => {
  const hash = hashSecret(key, '123456');
  t.match(hash, /^[0-9a-f]{64}$/);
  t.equal(hash, hashSecret(key, '123456'));
  t.not(hash, hashSecret(randomBytes(32), '123456'));
  t.ok(verifySecret(key, '123456', hash));
  t.ok(verifySecret(key, '123456', hash.toUpperCase()), 'hex case does not matter');
  t.notOk(verifySecret(key, '123457', hash));
  t.notOk(verifySecret(randomBytes(32), '123456', hash));
  t.throws(() => hashSecret(randomBytes(8), 'x'), CryptoConfigError);
});

t.test('verifySecret never throws on odd input', async (t) => {
  const hash = hashSecret(key, '');
  const odd: unknown[] = ['', 'abc', hash.slice(0, 63), `${hash}0`, `${hash.slice(0, 62)}zz`, 'é'.repeat(64), null, undefined, 42, {}, []];
  for (const expected of odd) {
    t.equal(verifySecret(key, '', expected as string), false, `expected hash ${JSON.stringify(expected)}`);
  }
  for (const value of [null, undefined, 42, {}]) {
    t.equal(verifySecret(key, value as unknown as string, hash), false, `value ${JSON.stringify(value)}`);
  }
  t.ok(verifySecret(key, '', hash), 'empty secret still verifies against its own hash');
});
