// Verification codes of printed 权益单: 24 characters of Crockford base32, fresh each time, printed
// in groups of four, read back leniently, and anything else refused without throwing.

import t from 'tap';
import { certificateCodeHash, certificateCodeLength, groupCertificateCode, newCertificateCode, normaliseCertificateCode } from '../../../src/domain/certificate-codes.js';

t.test('fresh codes: 24 characters of the unambiguous alphabet, never repeated', async (t) => {
  const codes = Array.from({ length: 2000 }, () => newCertificateCode());
  t.equal(new Set(codes).size, codes.length, 'no repeats');
  for (const code of codes) t.match(code, /^[0-9A-HJKMNP-TV-Z]{24}$/);
  t.equal(certificateCodeLength * 5, 120, '120 bits');
  const seen = new Set(codes.join(''));
  t.equal(seen.size, 32, 'every character of the alphabet occurs');
});

t.test('grouped for print, read back leniently', async (t) => {
  const code = '0123456789ABCDEFGHJKMNPQ';
  t.equal(groupCertificateCode(code), '0123-4567-89AB-CDEF-GHJK-MNPQ');
  t.equal(normaliseCertificateCode('0123-4567-89AB-CDEF-GHJK-MNPQ'), code);
  t.equal(normaliseCertificateCode(' 0123 4567 89ab cdef ghjk mnpq '), code, 'case and spaces');
  t.equal(normaliseCertificateCode('O123-4567-89AB-CDEF-GHJK-MNPQ'), code, 'O read as 0');
  t.equal(normaliseCertificateCode('0I23-4567-89AB-CDEF-GHJK-MNPQ'), code, 'I read as 1');
  t.equal(normaliseCertificateCode('0l23-4567-89AB-CDEF-GHJK-MNPQ'), code, 'l read as 1');
});

t.test('anything else is not a code, and never throws', async (t) => {
  for (const bad of ['', 'x', '0123-4567-89AB-CDEF-GHJK-MNP', '0123-4567-89AB-CDEF-GHJK-MNPQR', '0123-4567-89AB-CDEF-GHJK-MNPU', '中文'.repeat(12), 'A'.repeat(65), undefined, null, 42, ['0123456789ABCDEFGHJKMNPQ'], {}]) {
    t.equal(normaliseCertificateCode(bad), undefined, `${JSON.stringify(bad)?.slice(0, 30)}`);
  }
});

t.test('what the table stores is a hash of the code, not the code', async (t) => {
  const code = newCertificateCode();
  const hash = certificateCodeHash(code);
  t.match(hash, /^[0-9a-f]{64}$/);
  t.notOk(hash.toUpperCase().includes(code));
  t.equal(certificateCodeHash(code), hash, 'deterministic, so a check can find the row');
  t.not(certificateCodeHash(newCertificateCode()), hash);
});
