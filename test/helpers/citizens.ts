// Test citizens: fixture people from the registry, synthetic valid numbers that are not in it,
// fresh phone numbers, and registration through the real pages.

import { gb11643CheckChar } from '../../src/domain/documents.js';
import type { TestApp } from './app.js';
import type { Browser, Response2 } from './http-client.js';
import { inputValue } from './http-client.js';
import { solvedCaptcha, lastSmsCode } from './oidc-flow.js';

let phoneCounter = Math.floor(Math.random() * 1_000_000);
/** A fresh mainland mobile number (national form). */
export function freshPhone(): string {
  phoneCounter = (phoneCounter + 7919) % 100_000_000;
  return `139${String(phoneCounter).padStart(8, '0')}`;
}

let sequence = Math.floor(Math.random() * 900);
/** A valid resident ID number (GB 11643) that is not in the population registry fixture. */
export function syntheticIdNumber(birth = '19900307'): string {
  sequence = (sequence + 1) % 1000;
  const first17 = `320102${birth}${String(sequence).padStart(3, '0')}`;
  return first17 + gb11643CheckChar(first17);
}

export const strongPassword = 'Jsrs#2026pass';

export interface Person {
  certType: string;
  documentNumber: string;
  name: string;
  phone: string;
  password?: string;
}

/**
 * Fills the registration form at `path` (GET it first), asks for the SMS code, and submits.
 * Returns the final response (a redirect when registering from a relying party).
 */
export async function registerThroughPages(app: Pick<TestApp, 'url'>, browser: Browser, path: string, person: Person): Promise<Response2> {
  const form = await browser.get(path);
  if (form.status !== 200) throw new Error(`registration page answered ${form.status}`);
  const identity = { certType: person.certType, documentNumber: person.documentNumber, name: person.name, phone: person.phone };
  const sent = await browser.post(path, {
    _csrf: inputValue(form.text, '_csrf') ?? '',
    flow: '',
    ...identity,
    ...(await solvedCaptcha(app, form.text)),
    action: 'send',
  });
  if (sent.status !== 200) return sent;
  const code = await lastSmsCode(app, person.phone);
  const password = person.password ?? strongPassword;
  return browser.post(path, {
    _csrf: inputValue(sent.text, '_csrf') ?? '',
    flow: inputValue(sent.text, 'flow') ?? '',
    ...identity,
    code: code ?? '000000',
    password,
    confirmPassword: password,
    agreePrivacy: 'yes',
    agreeDocument: 'yes',
    action: 'register',
  });
}
