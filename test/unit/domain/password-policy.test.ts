// Password rule: length, character classes, allowed characters, and no phone or document number inside.

import t from 'tap';
import { checkPassword, passwordRuleHintKey, type PasswordErrorCode } from '../../../src/domain/password-policy.js';

t.test('passwords that meet the rule', async (t) => {
  for (const pw of ['Abcdef12', 'abcdef1!', 'ABCDEF1!', 'Abcdefg!', 'Aa1!Aa1!Aa1!Aa1!Aa1!', 'pass~word_9', '{[<>]}aA']) {
    t.same(checkPassword(pw), { ok: true }, pw);
  }
  t.same(checkPassword('Abcdef12', { phone: '+8613912345678', documentNumber: '320102200103203935' }), { ok: true });
});

t.test('each broken rule is reported, all at once, in a fixed order', async (t) => {
  const cases: [string, PasswordErrorCode[]][] = [
    ['Abc12!', ['password.too_short']],
    ['aB1', ['password.too_short']],
    ['', ['password.too_short', 'password.too_few_classes']],
    ['Aa1!Aa1!Aa1!Aa1!Aa1!x', ['password.too_long']],
    ['abcdefgh', ['password.too_few_classes']],
    ['abcdefg1', ['password.too_few_classes']],
    ['ABCDEFG!', ['password.too_few_classes']],
    ['12345678', ['password.too_few_classes']],
    ['Abcd 1234', ['password.invalid_characters']],
    ['Abcd密码1234', ['password.invalid_characters']],
    ['Abcd1234😀', ['password.invalid_characters']],
    ['abcdefghijklmnopqrstuv', ['password.too_long', 'password.too_few_classes']],
    ['x'.repeat(1000), ['password.too_long']],
  ];
  for (const [pw, codes] of cases) t.same(checkPassword(pw), { ok: false, codes }, pw.slice(0, 30));
});

t.test('the phone and the document number may not appear in the password', async (t) => {
  const phone = '+8613912345678';
  t.same(checkPassword('A13912345678!', { phone }), { ok: false, codes: ['password.contains_phone'] });
  t.same(checkPassword('a13912345678!', { phone: '139 1234 5678' }), { ok: false, codes: ['password.contains_phone'] });
  t.same(checkPassword('A1391234567x', { phone }), { ok: true });
  const documentNumber = '31010419721114465x';
  t.same(checkPassword('a31010419721114465X', { documentNumber }), {
    ok: false,
    codes: ['password.contains_document'],
  });
  t.same(checkPassword('Ba31010419721114465x', { documentNumber: '31010419721114465X' }), {
    ok: false,
    codes: ['password.contains_document'],
  });
  t.same(checkPassword('!e1234567', { documentNumber: 'E1234567' }), { ok: false, codes: ['password.contains_document'] });
  t.same(checkPassword('Abcdef12', { documentNumber: '' }), { ok: true }, 'an empty document number matches nothing');
  t.same(checkPassword('Abcdef12', { phone: 'not a phone' }), { ok: true });
  t.same(checkPassword('139123456781', { phone, documentNumber: '139123456781' }), {
    ok: false,
    codes: ['password.too_few_classes', 'password.contains_phone', 'password.contains_document'],
  });
});

t.test('the rule hint key', async (t) => {
  t.equal(passwordRuleHintKey, 'password.rule_hint');
});
