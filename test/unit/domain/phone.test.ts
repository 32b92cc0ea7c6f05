// Mainland mobile parsing: the forms people type map to one E.164 and national number; the rest fail.

import t from 'tap';
import { nationalFromE164, parseMobile, type PhoneErrorCode } from '../../../src/domain/phone.js';

t.test('accepted forms of one number', async (t) => {
  const expected = { ok: true, e164: '+8613912345678', national: '13912345678' };
  for (const raw of [
    '13912345678',
    ' 139 1234 5678 ',
    '139-1234-5678',
    '+8613912345678',
    '+86 139 1234 5678',
    '+86-139-1234-5678',
    '8613912345678',
    '008613912345678',
    '0086 139 1234 5678',
    '１３９１２３４５６７８',
    '＋８６\u3000１３９１２３４５６７８',
  ]) {
    t.same(parseMobile(raw), expected, JSON.stringify(raw));
  }
});

t.test('every mainland mobile prefix 13–19 is accepted', async (t) => {
  for (const second of '3456789') {
    const national = `1${second}012345678`;
    t.same(parseMobile(national), { ok: true, e164: `+86${national}`, national });
  }
});

t.test('refused input names the reason', async (t) => {
  const cases: [string, PhoneErrorCode][] = [
    ['', 'phone.empty'],
    ['  - ', 'phone.empty'],
    ['12912345678', 'phone.invalid'],
    ['10912345678', 'phone.invalid'],
    ['1391234567', 'phone.invalid'],
    ['139123456789', 'phone.invalid'],
    ['1391234567a', 'phone.invalid'],
    ['02583456789', 'phone.invalid'],
    ['+86 0139 1234 5678', 'phone.invalid'],
    ['86139123456', 'phone.invalid'],
    ['+85291234567', 'phone.not_mainland'],
    ['+1 415 555 0100', 'phone.not_mainland'],
    ['0085291234567', 'phone.not_mainland'],
    ['1'.repeat(65), 'phone.invalid'],
    ['1'.repeat(100_000), 'phone.invalid'],
  ];
  for (const [raw, code] of cases) t.same(parseMobile(raw), { ok: false, code }, JSON.stringify(raw.slice(0, 40)));
});

t.test('nationalFromE164', async (t) => {
  t.equal(nationalFromE164('+8613912345678'), '13912345678');
  t.equal(nationalFromE164('13912345678'), undefined);
  t.equal(nationalFromE164('+85291234567'), undefined);
  t.equal(nationalFromE164('+861391234567'), undefined);
  t.equal(nationalFromE164('+8612912345678'), undefined);
});
