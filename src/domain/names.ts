// The one rule a person's name follows wherever one is given (registration, recovery, appeals,
// family numbers, the account import): Han characters, Latin letters, the middle dot, spaces,
// 2–30 characters. Pure.

export const namePattern = /^[\p{Script=Han}·•A-Za-z .'-]{2,30}$/u;

/** Trims and folds runs of whitespace to one space: the form a name is checked and stored in. */
export function normaliseName(raw: string): string {
  return raw.trim().replace(/\s+/g, ' ');
}

/** Whether a normalised name follows the rule. */
export function isValidName(name: string): boolean {
  return namePattern.test(name);
}

/** The message key of a refused name (in both catalogues). */
export const nameErrorCode = 'register.name_invalid';

/** The check every form runs on a typed name: the normalised name, or the refusal's message key. */
export function checkName(raw: string): { ok: true; name: string } | { ok: false; code: typeof nameErrorCode } {
  const name = normaliseName(raw);
  return isValidName(name) ? { ok: true, name } : { ok: false, code: nameErrorCode };
}
