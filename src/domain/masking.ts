// Masks personal data for display (user centre, family lists, logs a person may see): document
// numbers keep their ends, phones keep 3+4 digits, names hide the surname. Pure, never throws.

import { nationalFromE164 } from './phone.js';

/**
 * Document numbers of 10+ characters keep the first 4 and last 4 (`3201**********3935`); shorter
 * ones keep the first and last (`H*******6`); 1–2 characters are all stars. Length is preserved.
 */
export function maskDocument(number: string): string {
  const chars = Array.from(number.trim());
  if (chars.length >= 10) return keepEnds(chars, 4, 4);
  if (chars.length >= 3) return keepEnds(chars, 1, 1);
  return '*'.repeat(chars.length);
}

/** A mainland mobile (E.164 or national) as `139****5678`; anything else is masked like a document. */
export function maskPhone(phone: string): string {
  const trimmed = phone.trim();
  const national = nationalFromE164(trimmed) ?? (/^\d{11}$/.test(trimmed) ? trimmed : undefined);
  if (national !== undefined) return keepEnds(Array.from(national), 3, 4);
  return maskDocument(trimmed);
}

/**
 * Names hide the surname, the common convention of Chinese services: a name with any Han
 * character shows `*` for its first character and the rest as is (`张三丰` → `*三丰`, `张三` → `*三`,
 * a one-character name → `*`); compound surnames (欧阳) keep their second character. A name
 * without Han characters (`SMITH JANE`) keeps the first letter of each word (`S**** J***`).
 */
export function maskName(name: string): string {
  const trimmed = name.trim();
  const first = trimmed.codePointAt(0);
  if (first === undefined) return '';
  if (/\p{Script=Han}/u.test(trimmed)) return `*${trimmed.slice(String.fromCodePoint(first).length)}`;
  return trimmed.replace(/\S+/gu, (word) => keepEnds(Array.from(word), 1, 0));
}

function keepEnds(chars: string[], head: number, tail: number): string {
  if (chars.length <= head + tail) return chars.join('');
  const stars = '*'.repeat(chars.length - head - tail);
  return `${chars.slice(0, head).join('')}${stars}${tail > 0 ? chars.slice(-tail).join('') : ''}`;
}
