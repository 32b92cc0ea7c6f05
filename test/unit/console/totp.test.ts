// TOTP (src/console/totp.ts) against RFC 6238's SHA-1 test vectors (appendix B, 8 digits there;
// 6 here are the last six), the ±1 step window, and replay refusal.

import t from 'tap';
import { base32Decode, base32Encode, hotp, totpCode, verifyTotp } from '../../../src/console/totp.js';

// RFC 6238 appendix B: the SHA-1 seed is the ASCII "12345678901234567890".
const seed = base32Encode(Buffer.from('12345678901234567890', 'ascii'));

t.test('RFC 6238 SHA-1 vectors', async (t) => {
  t.equal(base32Decode(seed).toString('ascii'), '12345678901234567890', 'base32 round trip');
  for (const [seconds, expected] of [[59, '94287082'], [1111111109, '07081804'], [1111111111, '14050471'], [1234567890, '89005924'], [2000000000, '69279037'], [20000000000, '65353130']] as const) {
    t.equal(totpCode(seed, new Date(seconds * 1000)), expected.slice(2), `T=${seconds}`);
  }
  t.equal(hotp(Buffer.from('12345678901234567890'), 0), '755224', 'RFC 4226 HOTP counter 0');
});

t.test('window and replay', async (t) => {
  const now = new Date(1234567890 * 1000);
  const step = Math.floor(1234567890 / 30);
  t.equal(verifyTotp(seed, totpCode(seed, now), now), step);
  t.equal(verifyTotp(seed, totpCode(seed, new Date(now.getTime() - 30_000)), now), step - 1, 'the previous step is accepted (drift)');
  t.equal(verifyTotp(seed, totpCode(seed, new Date(now.getTime() - 90_000)), now), undefined, 'older ones are not');
  t.equal(verifyTotp(seed, totpCode(seed, now), now, step), undefined, 'a spent step is refused');
  t.equal(verifyTotp(seed, 'abcdef', now), undefined);
  t.equal(verifyTotp(seed, '1234567', now), undefined);
});
