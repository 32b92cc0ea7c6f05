// Writes a synthetic legacy export (JSON Lines, the import's input) to disk, streamed: rows
// [from, to) of test/helpers/legacy-export.ts's accounts, two thirds real_name with registry
// evidence, one in five with an 电子社保卡 link. Used by bench:import and the imported-signins scenario.

import { createWriteStream } from 'node:fs';
import { legacyIdNumber, legacyRow } from '../../test/helpers/legacy-export.js';

export async function writeLegacyExport(file: string, from: number, to: number, region?: string): Promise<void> {
  const out = createWriteStream(file);
  for (let n = from; n < to; n += 1) {
    const level = n % 3 === 0 ? 'registered' : 'real_name';
    const row = legacyRow(n, {
      ...(region ? { document_number: legacyIdNumber(n, region) } : {}),
      level,
      evidence: level === 'real_name' ? { registry_match_at: '2019-03-01' } : {},
      upstream_links: n % 5 === 0 ? { essc: `essc-${n}` } : {},
    });
    if (!out.write(`${JSON.stringify(row)}\n`)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
  }
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
}
