// What a reader of a page sees, and the two kinds of words a citizen should never see there: a
// raw message key (`consent.granted`) and, on a Chinese page, English. Data that is not words (a
// user agent, an IP, an acr URN shown to a developer) is marked translate="no" or lang="en" and skipped.

import { zhCN } from '../../src/i18n/zh-CN.js';

/** The text between tags, without scripts, styles and elements marked translate="no" or lang="…" other than Chinese. */
export function visibleText(html: string): string {
  let text = html
    .replace(/<script[\s\S]*?<\/script>/g, ' ')
    .replace(/<style[\s\S]*?<\/style>/g, ' ')
    .replace(/<title>[\s\S]*?<\/title>/g, ' ');
  // A leaf element whose text is data or another language: <x translate="no">…</x>, <a lang="en">…</a>.
  text = text.replace(/<(\w+)\b[^>]*\b(?:translate="no"|lang="(?!zh)[^"]*")[^>]*>[^<]*<\/\1>/g, ' ');
  return text.replace(/<[^>]+>/g, ' ').replace(/&[a-z]+;|&#\d+;/g, ' ');
}

// A message key looks like `<area>.<name>…` where <area> is one of the catalogue's areas.
const areas = [...new Set(Object.keys(zhCN).map((k) => k.split('.')[0]))].join('|');
const keyShaped = new RegExp(`\\b(?:${areas})\\.[a-z][a-z0-9_]*(?:\\.[a-z0-9_]+)*\\b`, 'g');

/** Raw message keys in a page's visible text. */
export function rawKeys(html: string): string[] {
  return visibleText(html).match(keyShaped) ?? [];
}

// Latin words a Chinese page may carry: names and abbreviations a citizen reads as such.
const allowedLatin = new Set(['IP', 'ICP', 'QR', 'App', 'APP', 'JavaScript']);

/**
 * English words (and snake_case codes such as access_denied) in the visible text of a Chinese
 * page: runs of two or more letters with no digit (a digit makes it an identifier, not a word).
 * `properNames` (the names relying parties registered) are removed first: the page cannot translate them.
 */
export function englishWords(html: string, properNames: string[] = []): string[] {
  let text = visibleText(html);
  for (const name of properNames) text = text.split(name).join(' ');
  const tokens = text.match(/[A-Za-z0-9_]+/g) ?? [];
  return tokens.filter((w) => !/\d/.test(w) && /[A-Za-z]{2}/.test(w) && !allowedLatin.has(w));
}
