// Property tests: the parsers never throw and stay fast on arbitrary input, and what they accept
// is stable (validating a normalised number again gives the same number).

import fc from 'fast-check';
import t from 'tap';
import { certTypes, gb11643CheckChar, validateDocument } from '../../../src/domain/documents.js';
import { maskDocument, maskName, maskPhone } from '../../../src/domain/masking.js';
import { checkPassword } from '../../../src/domain/password-policy.js';
import { parseMobile } from '../../../src/domain/phone.js';

const today = new Date('2025-06-01T12:00:00+08:00');

// Junk of every shape: graphemes, full unicode, full-width look-alikes, near-valid numbers, huge strings.
const junk = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc.string({ unit: fc.constantFrom(...'0123456789XxHhMm+- \u3000０１２３４５６７８９ｘ'), maxLength: 30 }),
  fc.string({ unit: 'grapheme-composite', maxLength: 200 }),
  fc.tuple(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 4 }), fc.integer({ min: 1_000, max: 100_000 })).map(
    ([piece, times]) => piece.repeat(times),
  ),
);

/**
 * Runs `check` over `runs` generated inputs; fails when one throws or a single call takes over
 * `limitMs` (the parsers answer in well under a millisecond; the limit leaves room for a busy CI).
 * No shrinking: shrinking 100k-character strings costs minutes and the seed is reported anyway.
 */
function property<T>(arb: fc.Arbitrary<T>, check: (value: T) => void, limitMs = 100, runs = 400) {
  fc.assert(
    fc.property(arb, (value) => {
      const started = performance.now();
      check(value);
      return performance.now() - started < limitMs;
    }),
    { numRuns: runs, endOnFailure: true },
  );
}

t.test('validateDocument never throws, answers fast, and accepts its own output', async (t) => {
  t.doesNotThrow(() =>
    property(fc.tuple(fc.constantFrom(...certTypes, '02', ''), junk), ([type, raw]) => {
      const result = validateDocument(type, raw, today);
      if (result.ok) {
        const again = validateDocument(type, result.number, today);
        if (!again.ok || again.number !== result.number) throw new Error(`not idempotent: ${result.number}`);
      } else if (!result.code.startsWith('documents.')) {
        throw new Error(`bad code ${result.code}`);
      }
    }),
  );
});

t.test('any 17 digits with their check char and a real past date pass as a residence permit', async (t) => {
  const date = fc.date({ min: new Date('1900-01-01T00:00:00Z'), max: new Date('2025-05-31T00:00:00Z'), noInvalidDate: true });
  const arb = fc.tuple(fc.constantFrom('810000', '820000', '830000'), date, fc.integer({ min: 0, max: 999 }));
  t.doesNotThrow(() =>
    fc.assert(
      fc.property(arb, ([prefix, d, seq]) => {
        const first17 = `${prefix}${d.toISOString().slice(0, 10).replaceAll('-', '')}${String(seq).padStart(3, '0')}`;
        const number = `${first17}${gb11643CheckChar(first17)}`;
        const result = validateDocument('11', number.toLowerCase(), today);
        return result.ok && result.number === number;
      }),
      { numRuns: 300 },
    ),
  );
});

t.test('parseMobile never throws and answers fast', async (t) => {
  t.doesNotThrow(() =>
    property(junk, (raw) => {
      const result = parseMobile(raw);
      if (result.ok && !/^\+861[3-9]\d{9}$/.test(result.e164)) throw new Error(`bad e164 ${result.e164}`);
    }),
  );
});

t.test('checkPassword never throws and answers fast', async (t) => {
  t.doesNotThrow(() =>
    property(fc.tuple(junk, fc.option(junk, { nil: undefined }), fc.option(junk, { nil: undefined })), ([pw, phone, doc]) => {
      const result = checkPassword(pw, { phone, documentNumber: doc });
      if (!result.ok && result.codes.length === 0) throw new Error('failure without a code');
    }),
  );
});

t.test('masking never throws and keeps the length in code points', async (t) => {
  t.doesNotThrow(() =>
    property(
      junk,
      (raw) => {
        const trimmed = Array.from(raw.trim()).length;
        if (Array.from(maskDocument(raw)).length !== trimmed) throw new Error('maskDocument changed the length');
        if (Array.from(maskName(raw)).length !== trimmed) throw new Error('maskName changed the length');
        maskPhone(raw);
      },
      Infinity,
    ),
  );
});
