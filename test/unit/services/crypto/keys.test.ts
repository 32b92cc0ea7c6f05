import t from 'tap';
import { randomBytes } from 'node:crypto';
import { CryptoConfigError, createKeyring, deriveKey, deriveKeys, keyPurposes, parseMasterKey } from '../../../../src/services/crypto/index.js';

const raw = randomBytes(32);

t.test('parseMasterKey accepts hex, base64 and base64url of at least 32 bytes', async (t) => {
  t.same(parseMasterKey(raw.toString('hex')), raw);
  t.same(parseMasterKey(raw.toString('hex').toUpperCase()), raw);
  t.same(parseMasterKey(raw.toString('base64')), raw);
  t.same(parseMasterKey(raw.toString('base64url')), raw);
  t.same(parseMasterKey(`  ${raw.toString('base64')}\n`), raw);
  t.same(parseMasterKey(`base64:${raw.toString('base64')}`), raw);
  t.same(parseMasterKey(`hex:${raw.toString('hex')}`), raw);
  t.same(parseMasterKey(raw), raw);
  const long = randomBytes(64);
  t.same(parseMasterKey(long.toString('base64url')), long);
});

t.test('parseMasterKey rejects short, malformed and placeholder keys without echoing them', async (t) => {
  const bad = [
    '',
    '   ',
    randomBytes(31).toString('hex'),
    randomBytes(16).toString('base64'),
    'not a key at all, not at all, not at all!!',
    `${raw.toString('base64')}***`,
    `hex:${raw.toString('base64')}`,
    Buffer.alloc(32).toString('hex'),
  ];
  for (const value of bad) {
    const err = t.throws(() => parseMasterKey(value));
    t.type(err, CryptoConfigError);
    if (value.length > 8 && err instanceof Error) t.notMatch(err.message, value.trim().slice(0, 16));
  }
  t.throws(() => parseMasterKey(randomBytes(16)), CryptoConfigError);
});

t.test('deriveKeys gives distinct, deterministic keys per purpose', async (t) => {
  const a = deriveKeys(raw);
  const b = deriveKeys(raw.toString('base64'));
  const names = Object.keys(keyPurposes) as (keyof typeof keyPurposes)[];
  const seen = new Set<string>();
  for (const name of names) {
    t.same(a[name], b[name], `${name} deterministic`);
    t.equal(a[name].length, name === 'piiSm4' ? 16 : 32, `${name} length`);
    seen.add(a[name].toString('hex'));
  }
  t.equal(seen.size, names.length, 'all keys differ');
  t.notSame(deriveKeys(randomBytes(32)).otp, a.otp, 'another master key gives other keys');
  t.same(deriveKey(raw, 'otp'), a.otp, 'deriveKey matches the named purpose');
  t.ok(Object.isFrozen(a));
});

t.test('createKeyring holds current and previous versions', async (t) => {
  const old = randomBytes(32);
  const ring = createKeyring({ current: { id: 'k2', key: raw }, previous: [{ id: 'k1', key: old.toString('hex') }] });
  t.equal(ring.current.id, 'k2');
  t.same(ring.ids, ['k2', 'k1']);
  t.same(ring.get('k1')?.keys.otp, deriveKeys(old).otp);
  t.equal(ring.get('k3'), undefined);
  t.throws(() => createKeyring({ current: { id: 'k1', key: raw }, previous: [{ id: 'k1', key: old }] }), CryptoConfigError);
  t.throws(() => createKeyring({ current: { id: 'bad.id', key: raw } }), CryptoConfigError);
  t.throws(() => createKeyring({ current: { id: '', key: raw } }), CryptoConfigError);
  const err = t.throws(() => createKeyring({ current: { id: 'k1', key: 'short' } }));
  t.match(err, { name: 'CryptoConfigError', message: /key "k1"/ });
});
