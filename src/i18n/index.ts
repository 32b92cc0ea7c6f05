// src/i18n/: the zh-CN and en catalogues (zh-CN defines MessageKey) and t(); imports nothing else of src/.
// Message lookup and locale negotiation: t(locale, key, params) and the locale a request prefers.

import { en } from './en.js';
import { zhCN, type MessageKey } from './zh-CN.js';

export const locales = ['zh-CN', 'en'] as const;
export type Locale = (typeof locales)[number];
export const defaultLocale: Locale = 'zh-CN';
export type { MessageKey };

const catalogues: Record<Locale, Record<MessageKey, string>> = { 'zh-CN': zhCN, en };

export function isMessageKey(key: string): key is MessageKey {
  return Object.hasOwn(zhCN, key);
}

/** Thrown by t() for a key no catalogue has, outside production: a missing message is a bug the tests must see. */
export class MissingMessageError extends Error {
  constructor(key: string) {
    super(`missing message key: ${key}`);
    this.name = 'MissingMessageError';
  }
}

let missingKeysThrow = true;

/**
 * How t() answers a key no catalogue has: throw (the default, and development and tests) or, in
 * production, show the key rather than fail a citizen's page. The composition root sets it once.
 */
export function setMissingMessagePolicy(policy: 'throw' | 'show-key'): void {
  missingKeysThrow = policy === 'throw';
}

/** The message for `key` in `locale` with `{param}` placeholders filled. Throws MissingMessageError for an unknown key unless production chose 'show-key'. */
export function t(locale: Locale, key: string, params: Record<string, string | number> = {}): string {
  if (!isMessageKey(key) && missingKeysThrow) throw new MissingMessageError(key);
  const template = isMessageKey(key) ? catalogues[locale][key] : key;
  return template.replace(/\{(\w+)\}/g, (whole, name: string) =>
    Object.hasOwn(params, name) ? String(params[name]) : whole,
  );
}

/** Picks a locale from an explicit choice (cookie or query) first, then Accept-Language. */
export function negotiateLocale(explicit: string | undefined, acceptLanguage: string | undefined): Locale {
  if (explicit === 'en' || explicit === 'zh-CN') return explicit;
  const ranked = (acceptLanguage ?? '')
    .split(',')
    .map((part) => {
      const [tag = '', ...rest] = part.trim().split(';');
      const q = rest.find((p) => p.trim().startsWith('q='));
      return { tag: tag.toLowerCase(), q: q ? Number(q.trim().slice(2)) || 0 : 1 };
    })
    .filter((x) => x.tag)
    .sort((a, b) => b.q - a.q);
  for (const { tag } of ranked) {
    if (tag.startsWith('zh')) return 'zh-CN';
    if (tag.startsWith('en')) return 'en';
  }
  return defaultLocale;
}
