// The import descriptor: one small JSON file per export naming the legacy platform and how its
// password hashes were made (docs/migrating.md). Declared once for the whole file, never per row.

import { readFile } from 'node:fs/promises';
import { parseLegacyPasswordFormat, type LegacyPasswordFormat } from '../services/crypto/legacy-hash.js';

export interface ImportDescriptor {
  /** Names the legacy platform in proofs (`import:<platform>`) and keys legacy ids: [a-z0-9-]{1,40}. */
  platform: string;
  password: LegacyPasswordFormat;
}

/** Checks a parsed descriptor. Throws Error naming the bad field. */
export function parseDescriptor(value: unknown): ImportDescriptor {
  if (typeof value !== 'object' || value === null) throw new Error('descriptor: must be a JSON object');
  const v = value as Record<string, unknown>;
  if (typeof v.platform !== 'string' || !/^[a-z0-9-]{1,40}$/.test(v.platform)) throw new Error('descriptor: platform must be 1–40 of a-z, 0-9, -');
  return { platform: v.platform, password: parseLegacyPasswordFormat(v.password) };
}

/** Reads and checks the descriptor file. Throws Error with a clear message. */
export async function readDescriptor(path: string): Promise<ImportDescriptor> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new Error(`descriptor ${path} cannot be read (see docs/migrating.md)`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error(`descriptor ${path} is not JSON`);
  }
  return parseDescriptor(parsed);
}
