// checkPerson: the one check of a document type, number and name that registration, recovery and
// appeals share (a form of either kind refuses and normalises the same way).

import t from 'tap';
import { gb11643CheckChar } from '../../../src/domain/documents.js';
import { checkPerson } from '../../../src/domain/person.js';
import { checkIdentity, FieldErrorsError } from '../../../src/flows/registration/steps.js';
import { parseIdentityForm } from '../../../src/pages/identity-form.js';

const today = new Date('2026-12-03T00:00:00Z');
const first17 = '32010219900307123';
const residentId = first17 + gb11643CheckChar(first17);

t.test('a valid person comes back normalised', async (t) => {
  const checked = checkPerson({ certType: '08', documentNumber: 'ｅ１２３４５６７８', name: '  王 小明 ' }, today);
  t.same(checked, { ok: true, person: { certType: '08', documentNumber: 'E12345678', name: '王 小明' } });
  t.same(checkPerson({ certType: '01', documentNumber: residentId.toLowerCase(), name: '王小明' }, today), { ok: true, person: { certType: '01', documentNumber: residentId, name: '王小明' } });
});

t.test('every broken field is listed, in the forms order', async (t) => {
  const checked = checkPerson({ certType: '99', documentNumber: 'x', name: '1' }, today);
  t.same(checked, { ok: false, errors: { certType: 'documents.unknown_type', name: 'register.name_invalid' } });
  const wrongNumber = checkPerson({ certType: '01', documentNumber: `${first17}X`.replace(/X$/, gb11643CheckChar(first17) === 'X' ? '0' : 'X'), name: '王小明' }, today);
  t.equal(wrongNumber.ok, false);
  t.ok(!wrongNumber.ok && wrongNumber.errors.documentNumber?.startsWith('documents.'), 'a wrong check character is the number field');
});

t.test('registration and the recovery/appeal form give the same answers (one rule)', async (t) => {
  for (const input of [
    { certType: '01', documentNumber: residentId, name: '王小明' },
    { certType: '01', documentNumber: residentId.slice(0, 17), name: '王小明' },
    { certType: '08', documentNumber: 'E12345678', name: 'x' },
    { certType: '02', documentNumber: 'E12345678', name: '王小明' },
  ]) {
    const form = parseIdentityForm(input, today);
    let registration: Record<string, string | undefined> = {};
    try {
      checkIdentity({ ...input, phone: '13900000000' }, today);
    } catch (err) {
      if (!(err instanceof FieldErrorsError)) throw err;
      registration = err.fields as Record<string, string>;
    }
    t.same(registration, form.errors, `${input.certType} ${input.documentNumber.length} chars, ${input.name}`);
  }
});
