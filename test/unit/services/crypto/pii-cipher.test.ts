import t from 'tap';
import { randomBytes } from 'node:crypto';
import {
  CipherError,
  CryptoConfigError,
  createKeyring,
  createPiiCipher,
  missingSm4Support,
  piiAlgorithms,
  type PiiAlgorithm,
} from '../../../../src/services/crypto/index.js';

const k1 = randomBytes(32);
const k2 = randomBytes(32);
const ringV1 = createKeyring({ current: { id: 'k1', key: k1 } });
const ringV2 = createKeyring({ current: { id: 'k2', key: k2 }, previous: [{ id: 'k1', key: k1 }] });

const samples = ['320102199001011234', '张三', '13800138000', '', 'x'.repeat(5000), '𠮷 emoji 🎉'];

function flipChar(part: string, index: number): string {
  const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const c = part[index] ?? 'A';
  const replacement = chars[(chars.indexOf(c) + 1) % chars.length] ?? 'A';
  return part.slice(0, index) + replacement + part.slice(index + 1);
}

type Test = Parameters<Parameters<typeof t.test>[0]>[0];

function rejectsWith(t: Test, fn: () => unknown, reason: string, msg: string): void {
  const err = t.throws(fn, msg);
  t.type(err, CipherError, msg);
  t.match(err, { reason }, msg);
}

t.test('this Node offers SM4-CTR and SM3', async (t) => {
  t.same(missingSm4Support(), [], 'sm4-ctr and sm3 available in this OpenSSL');
  t.same(missingSm4Support({ ciphers: [], hashes: ['sm3'] }), ['cipher sm4-ctr']);
});

for (const algorithm of piiAlgorithms) {
  t.test(`${algorithm}`, async (t) => {
    const cipher = createPiiCipher({ keyring: ringV1, algorithm });

    t.test('round trip', async (t) => {
      for (const value of samples) {
        const envelope = cipher.encrypt(value, 'accounts.name');
        t.equal(cipher.decrypt(envelope, 'accounts.name'), value);
        t.notOk(envelope.includes(value) && value.length > 0, 'plaintext not visible');
      }
      const [a, b] = [cipher.encrypt('same', 'c'), cipher.encrypt('same', 'c')];
      t.not(a, b, 'random iv: equal plaintexts give different envelopes');
    });

    t.test('envelope format', async (t) => {
      const envelope = cipher.encrypt('320102199001011234', 'account_documents.number');
      const parts = envelope.split('.');
      t.equal(parts.length, 6);
      t.equal(parts[0], 'v1');
      t.equal(parts[1], algorithm);
      t.equal(parts[2], 'k1');
      t.equal(Buffer.from(parts[3] ?? '', 'base64url').length, algorithm === 'A256GCM' ? 12 : 16);
      t.equal(Buffer.from(parts[5] ?? '', 'base64url').length, algorithm === 'A256GCM' ? 16 : 32);
      t.match(envelope, /^[A-Za-z0-9._-]+$/, 'url-safe, no padding');
      t.notOk(cipher.needsReencryption(envelope));
    });

    t.test('tampering any character of any part fails with CipherError', async (t) => {
      const aad = 'phones.number';
      const envelope = cipher.encrypt('13800138000', aad);
      const parts = envelope.split('.');
      for (let p = 0; p < parts.length; p += 1) {
        const part = parts[p] ?? '';
        for (let i = 0; i < part.length; i += 1) {
          const tampered = [...parts];
          tampered[p] = flipChar(part, i);
          t.throws(() => cipher.decrypt(tampered.join('.'), aad), CipherError, `part ${p} char ${i}`);
        }
      }
      // every bit of the raw bytes of iv, ciphertext and tag
      for (const p of [3, 4, 5]) {
        const bytes = Buffer.from(parts[p] ?? '', 'base64url');
        for (let i = 0; i < bytes.length; i += 1) {
          for (let bit = 0; bit < 8; bit += 1) {
            const copy = Buffer.from(bytes);
            copy[i] = (copy[i] ?? 0) ^ (1 << bit);
            const tampered = [...parts];
            tampered[p] = copy.toString('base64url');
            t.throws(() => cipher.decrypt(tampered.join('.'), aad), CipherError);
          }
        }
      }
      rejectsWith(t, () => cipher.decrypt(`${envelope}.`, aad), 'malformed', 'extra part');
      rejectsWith(t, () => cipher.decrypt(parts.slice(0, 5).join('.'), aad), 'malformed', 'missing part');
      rejectsWith(t, () => cipher.decrypt(['v2', ...parts.slice(1)].join('.'), aad), 'unsupported_version', 'version');
      rejectsWith(t, () => cipher.decrypt([parts[0], 'A128GCM', ...parts.slice(2)].join('.'), aad), 'unsupported_algorithm', 'alg');
      rejectsWith(t, () => cipher.decrypt([...parts.slice(0, 2), 'k9', ...parts.slice(3)].join('.'), aad), 'unknown_key', 'key id');
      rejectsWith(t, () => cipher.decrypt([...parts.slice(0, 4), '', parts[5]].join('.'), aad), 'authentication_failed', 'empty ct');
      rejectsWith(t, () => cipher.decrypt([...parts.slice(0, 3), `${parts[3]}==`, ...parts.slice(4)].join('.'), aad), 'malformed', 'padding');
      rejectsWith(t, () => cipher.decrypt(envelope.replace(/\.([^.]*)$/, '.$1A'), aad), 'malformed', 'longer tag');
      rejectsWith(t, () => cipher.decrypt('', aad), 'malformed', 'empty');
      rejectsWith(t, () => cipher.decrypt(null as unknown as string, aad), 'malformed', 'null');
      rejectsWith(t, () => cipher.decrypt('x'.repeat(1_000_000), aad), 'malformed', 'huge');
    });

    t.test('swapping the algorithm name fails', async (t) => {
      const other = piiAlgorithms.find((a) => a !== algorithm) as PiiAlgorithm;
      const parts = cipher.encrypt('secret', 'a').split('.');
      parts[1] = other;
      t.throws(() => cipher.decrypt(parts.join('.'), 'a'), CipherError);
    });

    t.test('wrong AAD fails; AAD is required', async (t) => {
      const envelope = cipher.encrypt('张三', 'accounts.name');
      rejectsWith(t, () => cipher.decrypt(envelope, 'accounts.nam'), 'authentication_failed', 'other column');
      rejectsWith(t, () => cipher.decrypt(envelope, 'accounts.name\u0000'), 'authentication_failed', 'suffix');
      rejectsWith(t, () => cipher.decrypt(envelope, ''), 'invalid_input', 'empty aad');
      rejectsWith(t, () => cipher.encrypt('x', ''), 'invalid_input', 'encrypt without aad');
    });

    t.test('envelope moved between two keyrings with the same id but other key fails', async (t) => {
      const impostor = createPiiCipher({ keyring: createKeyring({ current: { id: 'k1', key: randomBytes(32) } }), algorithm });
      rejectsWith(t, () => impostor.decrypt(cipher.encrypt('v', 'a'), 'a'), 'authentication_failed', 'other key');
    });

    t.test('key rotation', async (t) => {
      const envelope = cipher.encrypt('320102199001011234', 'account_documents.number');
      const rotated = createPiiCipher({ keyring: ringV2, algorithm });
      t.equal(rotated.decrypt(envelope, 'account_documents.number'), '320102199001011234');
      t.ok(rotated.needsReencryption(envelope), 'old key id needs re-encryption');
      const fresh = rotated.encrypt('320102199001011234', 'account_documents.number');
      t.equal(fresh.split('.')[2], 'k2');
      t.notOk(rotated.needsReencryption(fresh));
      rejectsWith(t, () => cipher.decrypt(fresh, 'account_documents.number'), 'unknown_key', 'old ring lacks new key');
      t.throws(() => rotated.needsReencryption('garbage'), CipherError);
    });
  });
}

t.test('algorithm migration: GCM data readable by an SM4 cipher and flagged', async (t) => {
  const gcm = createPiiCipher({ keyring: ringV2, algorithm: 'A256GCM' });
  const sm4 = createPiiCipher({ keyring: ringV2, algorithm: 'SM4CTR-HSM3' });
  const envelope = gcm.encrypt('李四', 'accounts.name');
  t.equal(sm4.decrypt(envelope, 'accounts.name'), '李四');
  t.ok(sm4.needsReencryption(envelope));
  t.notOk(gcm.needsReencryption(envelope));
  t.ok(gcm.needsReencryption(sm4.encrypt('李四', 'accounts.name')));
});

t.test('SM4 without runtime support is refused clearly at construction', async (t) => {
  const err = t.throws(() =>
    createPiiCipher({ keyring: ringV1, algorithm: 'SM4CTR-HSM3', capabilities: { ciphers: ['aes-256-gcm'], hashes: ['sha256'] } }),
  );
  t.type(err, CryptoConfigError);
  t.match(err, { message: /sm4-ctr and hash sm3/ });
  const gcm = createPiiCipher({ keyring: ringV1, algorithm: 'A256GCM', capabilities: { ciphers: [], hashes: [] } });
  const sm4Envelope = createPiiCipher({ keyring: ringV1, algorithm: 'SM4CTR-HSM3' }).encrypt('v', 'a');
  rejectsWith(t, () => gcm.decrypt(sm4Envelope, 'a'), 'unsupported_algorithm', 'SM4 envelope on a runtime without SM4');
  t.throws(() => createPiiCipher({ keyring: ringV1, algorithm: 'AES' as PiiAlgorithm }), CryptoConfigError);
});

t.test('SM4 implementation matches the GB/T 32907 test vector', async (t) => {
  // Standard SM4 example: key = plaintext = 0123456789abcdeffedcba9876543210 → 681edf34d206965e86b3e94f536e4246
  const { createCipheriv } = await import('node:crypto');
  const key = Buffer.from('0123456789abcdeffedcba9876543210', 'hex');
  const ecb = createCipheriv('sm4-ecb', key, null).setAutoPadding(false);
  t.equal(Buffer.concat([ecb.update(key), ecb.final()]).toString('hex'), '681edf34d206965e86b3e94f536e4246');
});
