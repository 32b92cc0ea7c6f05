// A person as the forms name one: a document type, its number and the name on it, each checked by its
// one rule (documents.ts, names.ts). Registration, recovery and appeals all check identities here.

import { isCertType, validateDocument, type CertType, type DocumentErrorCode } from './documents.js';
import { checkName, nameErrorCode } from './names.js';

export interface PersonInput {
  certType: string;
  documentNumber: string;
  name: string;
}

export interface CheckedPerson {
  certType: CertType;
  /** Normalised (full-width folded, check character upper-cased). */
  documentNumber: string;
  name: string;
}

/** Each broken field with its message key, in the order the forms show them. */
export type PersonErrors = {
  certType?: 'documents.unknown_type';
  documentNumber?: DocumentErrorCode;
  name?: typeof nameErrorCode;
};

/** Checks the three fields; on failure lists every broken one. */
export function checkPerson(input: PersonInput, today: Date): { ok: true; person: CheckedPerson } | { ok: false; errors: PersonErrors } {
  const errors: PersonErrors = {};
  let documentNumber = '';
  if (!isCertType(input.certType)) errors.certType = 'documents.unknown_type';
  else {
    const doc = validateDocument(input.certType, input.documentNumber, today);
    if (doc.ok) documentNumber = doc.number;
    else errors.documentNumber = doc.code;
  }
  const name = checkName(input.name);
  if (!name.ok) errors.name = name.code;
  if (!name.ok || Object.keys(errors).length > 0) return { ok: false, errors };
  return { ok: true, person: { certType: input.certType as CertType, documentNumber, name: name.name } };
}
