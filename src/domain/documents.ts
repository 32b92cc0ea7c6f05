// Certificate types (人社 data dictionary AAC058) and the rules that check and normalise their
// numbers: GB 11643 citizen numbers, HK/Macau/Taiwan permits, permanent residence cards, passports.
// Pure: returns a result naming the failed rule (an i18n key), never throws on user input.

import { ValidationError } from '../errors/app-error.js';

/** The one list of certificate types; extend here (and add the label keys to the catalogues). */
export const certTypes = ['01', '04', '05', '06', '07', '08', '11'] as const;
export type CertType = (typeof certTypes)[number];

export function isCertType(value: unknown): value is CertType {
  return typeof value === 'string' && (certTypes as readonly string[]).includes(value);
}

/** i18n key of each type's label (居民身份证(户口簿) …). */
export const certTypeLabelKeys = {
  '01': 'documents.cert_type.01',
  '04': 'documents.cert_type.04',
  '05': 'documents.cert_type.05',
  '06': 'documents.cert_type.06',
  '07': 'documents.cert_type.07',
  '08': 'documents.cert_type.08',
  '11': 'documents.cert_type.11',
} as const satisfies Record<CertType, string>;

/**
 * Why a number was refused; each is an i18n key. The `documents.id_card.*` rules are those of the
 * GB 11643 structure, shared by 01, 11 and the 2023 permanent residence card (07).
 */
export const documentErrorCodes = [
  'documents.empty',
  'documents.too_long',
  'documents.unknown_type',
  'documents.id_card.length',
  'documents.id_card.format',
  'documents.id_card.region',
  'documents.id_card.birth_date',
  'documents.id_card.birth_date_too_early',
  'documents.id_card.birth_date_future',
  'documents.id_card.check_digit',
  'documents.hk_macau.format',
  'documents.hk_macau.hk_prefix',
  'documents.hk_macau.macau_prefix',
  'documents.taiwan.format',
  'documents.permanent_residence.format',
  'documents.residence_permit.length',
  'documents.residence_permit.prefix',
  'documents.passport.format',
] as const;
export type DocumentErrorCode = (typeof documentErrorCodes)[number];

export type DocumentResult = { ok: true; number: string } | { ok: false; code: DocumentErrorCode };

/** Inputs longer than this are refused before any other work (no document number comes close). */
export const MAX_DOCUMENT_INPUT = 64;

// GB/T 2260 province-level codes under which resident ID numbers are issued (mainland only:
// 71 台湾 and 81/82 港澳 issue none; their residents hold type 11 with 810000/820000/830000).
// Only the province is checked: city and county codes change and abolished ones stay on old cards.
const mainlandProvinces = new Set([
  '11', '12', '13', '14', '15', '21', '22', '23', '31', '32', '33', '34', '35', '36', '37',
  '41', '42', '43', '44', '45', '46', '50', '51', '52', '53', '54', '61', '62', '63', '64', '65',
]);
const residencePermitPrefixes = ['810000', '820000', '830000'];

const checkWeights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const checkChars = '10X98765432';

/**
 * The ISO 7064 MOD 11-2 check character of the first 17 digits of a GB 11643 number.
 * Throws ValidationError('documents.id_card.format') unless given exactly 17 ASCII digits.
 */
export function gb11643CheckChar(first17: string): string {
  if (!/^\d{17}$/.test(first17)) throw new ValidationError('documents.id_card.format');
  let sum = 0;
  for (let i = 0; i < 17; i += 1) sum += Number(first17[i]) * (checkWeights[i] ?? 0);
  return checkChars[sum % 11] ?? '';
}

/**
 * Folds what people paste into the ASCII they meant: full-width forms (ＡＢＣ１２３) become ASCII,
 * every whitespace (including the ideographic space) is removed, ASCII letters are upper-cased.
 */
export function normaliseDocumentInput(raw: string): string {
  return foldFullWidth(raw)
    .replace(/\s+/gu, '')
    .replace(/[a-z]/g, (c) => c.toUpperCase());
}

/** Full-width ASCII variants (U+FF01–U+FF5E) to ASCII and U+3000 to a space; nothing else changes. */
export function foldFullWidth(raw: string): string {
  return raw.replace(/[\uFF01-\uFF5E\u3000]/g, (c) =>
    c === '\u3000' ? ' ' : String.fromCharCode(c.charCodeAt(0) - 0xfee0),
  );
}

/**
 * Checks `raw` as a number of `certType` and returns it normalised (trimmed, ASCII, upper case,
 * 15-digit resident IDs upgraded to 18), or the code of the first rule it breaks. `today` bounds
 * birth dates (taken as the calendar date in China, UTC+8). Never throws.
 */
export function validateDocument(certType: string, raw: string, today: Date): DocumentResult {
  if (!isCertType(certType)) return fail('documents.unknown_type');
  if (typeof raw !== 'string' || raw.length === 0) return fail('documents.empty');
  if (raw.length > MAX_DOCUMENT_INPUT * 4) return fail('documents.too_long');
  const number = normaliseDocumentInput(raw);
  if (number.length === 0) return fail('documents.empty');
  if (number.length > MAX_DOCUMENT_INPUT) return fail('documents.too_long');
  switch (certType) {
    case '01':
      return validateResidentId(number, today);
    case '04':
    case '05':
      return validateHkMacauPermit(certType, number);
    case '06':
      return /^(\d{8}|\d{10})$/.test(number) ? pass(number) : fail('documents.taiwan.format');
    case '07':
      return validatePermanentResidence(number, today);
    case '08':
      return /^[A-Z0-9]{5,17}$/.test(number) ? pass(number) : fail('documents.passport.format');
    case '11':
      return validateResidencePermit(number, today);
  }
}

function validateResidentId(number: string, today: Date): DocumentResult {
  if (number.length !== 18 && number.length !== 15) return fail('documents.id_card.length');
  if (number.length === 15) {
    // First-generation cards: 6-digit region, 6-digit birth date (19yy), 3-digit sequence, no check char.
    if (!/^\d{15}$/.test(number)) return fail('documents.id_card.format');
    const first17 = `${number.slice(0, 6)}19${number.slice(6)}`;
    return validateGb11643(`${first17}${gb11643CheckChar(first17)}`, today, mainlandProvinces, 0);
  }
  return validateGb11643(number, today, mainlandProvinces, 0);
}

// 04 and 05 both hold 港澳居民来往内地通行证 numbers, whose first letter names the issuing region
// (H Hong Kong, M Macau). The type code says the same thing, so a mismatch is a slip at entry:
// we refuse it rather than store two contradicting facts (and miss the registry match later).
function validateHkMacauPermit(certType: '04' | '05', number: string): DocumentResult {
  if (!/^[HM]\d{8}(\d{2})?$/.test(number)) return fail('documents.hk_macau.format');
  if (certType === '04' && !number.startsWith('H')) return fail('documents.hk_macau.hk_prefix');
  if (certType === '05' && !number.startsWith('M')) return fail('documents.hk_macau.macau_prefix');
  return pass(number);
}

// 外国人永久居留身份证: the 2023 card is 18 chars starting 9 (province of issue at 2–3, nationality
// at 4–6, then the GB 11643 birth date, sequence and check char); the 2004 card is 3 letters
// (nationality) and 12 digits, checked for shape only.
function validatePermanentResidence(number: string, today: Date): DocumentResult {
  if (/^[A-Z]{3}\d{12}$/.test(number)) return pass(number);
  if (number.length !== 18 || !number.startsWith('9')) return fail('documents.permanent_residence.format');
  return validateGb11643(number, today, mainlandProvinces, 1);
}

function validateResidencePermit(number: string, today: Date): DocumentResult {
  if (number.length !== 18) return fail('documents.residence_permit.length');
  if (!/^\d{17}[\dX]$/.test(number)) return fail('documents.id_card.format');
  if (!residencePermitPrefixes.includes(number.slice(0, 6))) return fail('documents.residence_permit.prefix');
  return validateGb11643(number, today, undefined, 0);
}

/** The shared GB 11643 rules on an 18-char number; `regionAt` is where the 2-digit province sits. */
function validateGb11643(
  number: string,
  today: Date,
  provinces: ReadonlySet<string> | undefined,
  regionAt: number,
): DocumentResult {
  if (!/^\d{17}[\dX]$/.test(number)) return fail('documents.id_card.format');
  if (provinces && !provinces.has(number.slice(regionAt, regionAt + 2))) return fail('documents.id_card.region');
  const dateProblem = checkBirthDate(number.slice(6, 14), today);
  if (dateProblem) return fail(dateProblem);
  if (gb11643CheckChar(number.slice(0, 17)) !== number[17]) return fail('documents.id_card.check_digit');
  return pass(number);
}

function checkBirthDate(yyyymmdd: string, today: Date): DocumentErrorCode | undefined {
  const y = Number(yyyymmdd.slice(0, 4));
  const m = Number(yyyymmdd.slice(4, 6));
  const d = Number(yyyymmdd.slice(6, 8));
  if (!isCalendarDate(y, m, d)) return 'documents.id_card.birth_date';
  if (y < 1900) return 'documents.id_card.birth_date_too_early';
  if (yyyymmdd > chinaDateOf(today)) return 'documents.id_card.birth_date_future';
  return undefined;
}

function isCalendarDate(y: number, m: number, d: number): boolean {
  if (!Number.isInteger(y) || m < 1 || m > 12 || d < 1) return false;
  const date = new Date(0);
  date.setUTCFullYear(y, m - 1, d); // not Date.UTC: it maps years 0–99 to 1900–1999
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

/** `YYYYMMDD` of `instant` in China Standard Time (UTC+8, no daylight saving since 1991). */
function chinaDateOf(instant: Date): string {
  const shifted = new Date(instant.getTime() + 8 * 3600_000);
  if (Number.isNaN(shifted.getTime())) return '00000000';
  const pad = (n: number, w: number) => String(n).padStart(w, '0');
  return `${pad(shifted.getUTCFullYear(), 4)}${pad(shifted.getUTCMonth() + 1, 2)}${pad(shifted.getUTCDate(), 2)}`;
}

function pass(number: string): DocumentResult {
  return { ok: true, number };
}

function fail(code: DocumentErrorCode): DocumentResult {
  return { ok: false, code };
}
