// The one SMS-code step: a malformed code never reaches the code service, and each verdict maps to
// the field error (with the journey's own wording where it has one) and to whether a new code is needed.

import t from 'tap';
import { smsCodeNeedsResend, verifySmsCode } from '../../../src/flows/steps/sms-code.js';
import type { CodeOutcome } from '../../../src/services/one-time-codes.js';

function codes(outcome: CodeOutcome) {
  const asked: string[] = [];
  return { asked, service: { verify: async (input: { code: string }) => (asked.push(input.code), outcome) } };
}
const input = { purpose: 'login' as const, phoneE164: '+8613800000000', code: '123456' };

t.test('a proven code passes', async (t) => {
  t.same(await verifySmsCode(codes('ok').service, input), { ok: true });
});

t.test('each refusal has its message on the code field and says whether to resend', async (t) => {
  const expected = { invalid: ['login.sms_invalid', false], expired: ['login.sms_expired', true], exhausted: ['login.sms_exhausted', true] } as const;
  for (const [outcome, [message, resend]] of Object.entries(expected)) {
    t.same(await verifySmsCode(codes(outcome as CodeOutcome).service, input), { ok: false, outcome, field: 'code', message, resend }, outcome);
    t.equal(smsCodeNeedsResend(message), resend, `${message} needs a new code: ${resend}`);
  }
});

t.test('a journey words a wrong code its own way; expired and exhausted stay shared', async (t) => {
  t.match(await verifySmsCode(codes('invalid').service, input, { invalid: 'recover.code_invalid' }), { message: 'recover.code_invalid' });
  t.match(await verifySmsCode(codes('expired').service, input, { invalid: 'recover.code_invalid' }), { message: 'login.sms_expired' });
});

t.test('a code that is not six digits is refused without asking the service', async (t) => {
  for (const code of ['12345', '1234567', 'abcdef', '']) {
    const { asked, service } = codes('ok');
    t.match(await verifySmsCode(service, { ...input, code }), { ok: false, outcome: 'invalid', message: 'login.sms_invalid', resend: false }, JSON.stringify(code));
    t.match(await verifySmsCode(service, { ...input, code }, { malformed: 'form.invalid_code_format' }), { message: 'form.invalid_code_format' });
    t.same(asked, []);
  }
});
