// One name rule: registration, recovery and appeals (the shared identity form) and family numbers
// refuse and accept the same names, with the same message, because they all run checkName.

import t from 'tap';
import { checkName } from '../../../src/domain/names.js';
import { checkIdentity, FieldErrorsError } from '../../../src/flows/registration/steps.js';
import { parseIdentityForm } from '../../../src/pages/identity-form.js';

const today = new Date('2026-12-02T00:00:00Z');
const document = { certType: '01', documentNumber: '320102200103203935' };
const refused = ['张', 'A', '张三3', 'Robert1', '<script>', '王_五', '李四@example', '张'.repeat(31), '   ', 'ＡＢＣ'];
const accepted = ['张三', '  张  三  ', '阿卜杜·热合曼', 'Mary Ann', "O'Brien", 'Jean-Luc', '张'.repeat(30)];

/** The registration form's answer on the name field: undefined when accepted. */
function registrationRefusal(name: string): string | undefined {
  try {
    checkIdentity({ ...document, name, phone: '13800000000' }, today);
    return undefined;
  } catch (err) {
    if (!(err instanceof FieldErrorsError)) throw err;
    return err.fields.name;
  }
}

t.test('recovery and appeals refuse exactly what registration refuses', async (t) => {
  for (const name of [...refused, ...accepted]) {
    const registration = registrationRefusal(name);
    const recovery = parseIdentityForm({ ...document, name }, today);
    t.equal(recovery.errors.name, registration, `${JSON.stringify(name)}: the same answer`);
    t.equal(registration === undefined, checkName(name).ok, `${JSON.stringify(name)}: the one rule decides`);
  }
  for (const name of refused) t.equal(registrationRefusal(name), 'register.name_invalid', `${JSON.stringify(name)} refused`);
  for (const name of accepted) t.equal(registrationRefusal(name), undefined, `${JSON.stringify(name)} accepted`);
});

t.test('the identity form keeps the normalised name, as registration stores it', async (t) => {
  t.equal(parseIdentityForm({ ...document, name: '  张  三  ' }, today).identity?.name, '张 三');
  t.equal(checkIdentity({ ...document, name: '  张  三  ', phone: '13800000000' }, today).name, '张 三');
});
