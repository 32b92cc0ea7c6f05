// The proof of work as a client solves it: altcha-lib's solver in Node (the pages run
// public/js/proof-of-work.js instead), and the challenge read from a page's hidden field.

import { solveChallenge, type Challenge } from 'altcha-lib';
import { deriveKey } from 'altcha-lib/algorithms/sha';

/** Solves a proof-of-work challenge in Node (altcha-lib), as the page's script does: the payload for `pow` / `pow_solution`. */
export async function solvePow(challenge: Challenge): Promise<string> {
  const solution = await solveChallenge({ challenge, deriveKey, timeout: 30_000 });
  if (!solution) throw new Error('proof of work not solved');
  return Buffer.from(JSON.stringify({ challenge, solution: { counter: solution.counter, derivedKey: solution.derivedKey } })).toString('base64');
}

/** The proof-of-work challenge a page carries next to its captcha (the hidden `pow` field's data attribute). */
export function powChallengeOf(html: string): Challenge {
  const tag = /<input[^>]*data-pow-challenge="([^"]*)"[^>]*>/i.exec(html)?.[1];
  if (!tag) throw new Error('no proof-of-work challenge on the page');
  return JSON.parse(tag.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&')) as Challenge;
}

