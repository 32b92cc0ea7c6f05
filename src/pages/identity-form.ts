// The "who are you" form shared by recovery and appeals (证件类型, 证件号码, 姓名): parsed and
// checked, and kept in a flow only encrypted.

import { certTypes } from '../domain/documents.js';
import { checkPerson } from '../domain/person.js';
import type { Locale } from '../i18n/index.js';
import { t } from '../i18n/index.js';
import { field } from '../http/body.js';
import type { PiiCipher } from '../services/crypto/index.js';
import type { TypedIdentity } from '../flows/steps/identity-steps.js';


const aad = 'flows.identity';

export function parseIdentityForm(form: Record<string, string>, today: Date): { identity?: TypedIdentity; values: Record<string, string>; errors: Record<string, string> } {
  const values = { certType: field(form, 'certType', 4), documentNumber: field(form, 'documentNumber', 64), name: field(form, 'name', 64) };
  const checked = checkPerson(values, today);
  if (!checked.ok) return { values, errors: { ...checked.errors } };
  const { certType, documentNumber, name } = checked.person;
  return { identity: { certType, idNumber: documentNumber, name }, values, errors: {} };
}

export function sealIdentity(cipher: PiiCipher, identity: TypedIdentity): string {
  return cipher.encrypt(JSON.stringify(identity), aad);
}

export function openIdentity(cipher: PiiCipher, envelope: string): TypedIdentity {
  return JSON.parse(cipher.decrypt(envelope, aad)) as TypedIdentity;
}

export function certTypeOptions(locale: Locale): Array<{ value: string; label: string }> {
  return certTypes.map((c) => ({ value: c, label: t(locale, `documents.cert_type.${c}`) }));
}

export function translateErrors(locale: Locale, errors: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(errors).filter(([, v]) => v).map(([k, v]) => [k, t(locale, v as string)]));
}
