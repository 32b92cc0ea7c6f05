// Imported accounts (issue 18): the legacy export imported into the bench database in steps (by
// default to 100,000 then 1,000,000 imported accounts) with the code `cli import accounts` runs,
// and after each step password sign-ins (WORKERS=1) against them: first sign-ins (the legacy salted
// digest checked, padded to a bcrypt verification, and rehashed with bcrypt: the cut-over day) and
// sign-ins of accounts already rehashed (every day after). The imported citizens are marked as
// having agreed to the policy texts, as the seeded ones are, so no sign-in stops at that page.

import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import { systemClock } from '../../src/domain/clock.js';
import { parseDescriptor } from '../../src/import/descriptor.js';
import { importAccounts } from '../../src/import/import-accounts.js';
import { createIdentityLevels } from '../../src/services/identity-levels.js';
import { descriptor, legacyPassword, legacyPhone } from '../../test/helpers/legacy-export.js';
import { fmt, type Bench, type Row, type Scenario } from '../lib/context.js';
import { writeLegacyExport } from '../lib/legacy-export.js';
import { counted, signInRow, storm, timed, withinTenPercentOfSmall } from './signins.js';

/** Another region than the seeded accounts' documents (320102), so the two never share a number. */
const region = '320104';
/** Accounts signed in once before the "already rehashed" storm. */
const rehashedSet = 200;

const legacyPhones = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => legacyPhone(from + k));

/** Imports legacy rows [from, to); returns the import's wall-clock rate. */
async function importStep(bench: Bench, from: number, to: number): Promise<{ perSecond: number; imported: number }> {
  const dir = mkdtempSync(join(bench.tmp, 'import-'));
  try {
    const file = join(dir, `accounts-${from}-${to}.jsonl`);
    await writeLegacyExport(file, from, to, region);
    const started = performance.now();
    const report = await importAccounts({
      db: bench.database.db,
      secrets: bench.secrets,
      levels: createIdentityLevels(bench.secrets),
      clock: systemClock,
      descriptor: parseDescriptor(descriptor),
      file,
    });
    const seconds = (performance.now() - started) / 1000;
    if (report.counts.imported !== to - from) throw new Error(`import ${from}–${to}: ${JSON.stringify(report.counts)}`);
    // One statement over up to 900,000 rows: longer than the connection's statement timeout allows.
    await bench.database.db.transaction().execute(async (trx) => {
      await sql`set local statement_timeout = 0`.execute(trx);
      await sql`update accounts set policy_version = ${bench.policyVersion}, policy_accepted_at = now()
        where policy_version is null and id in (select account_id from imported_accounts)`.execute(trx);
    });
    await sql`analyze`.execute(bench.database.db);
    return { perSecond: report.counts.imported / seconds, imported: report.counts.imported };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const label = (what: string, imported: number, bench: Bench) =>
  `password sign-ins, ${what} (${imported.toLocaleString('en')} imported + ${bench.accounts().toLocaleString('en')} seeded accounts)`;

const scenario: Scenario = {
  id: 'imported-signins',
  needs: 'alone',
  async run(bench) {
    const rows: Row[] = [];
    const steps: Array<{ imported: number; perSecond: number }> = [];
    let imported = 0;
    for (const target of bench.options.importedAccounts) {
      if (target <= imported) continue;
      bench.log(`imported-signins: importing legacy accounts ${imported}…${target}`);
      const step = await importStep(bench, imported, target);
      steps.push({ imported: target, perSecond: Math.round(step.perSecond) });
      bench.log(`imported-signins: ${step.imported} accounts imported at ${fmt(step.perSecond, 0)}/s`);
      const provider = await bench.startProvider(1);
      try {
        // First sign-ins: the storm walks the newly imported accounts, each signed in once.
        const first = await storm(bench, provider, `signin-imported-first-${target}`, { ...timed(bench), mode: 'password', password: legacyPassword, phones: legacyPhones(imported + rehashedSet, target), captchas: [] });
        rows.push(signInRow(label('first sign-in of each (legacy digest → bcrypt)', target, bench), 1, first, { note: 'every sign-in verifies a legacy digest (padded to one bcrypt verification) and rehashes' }));
        // Then a set signed in once already (their hashes are bcrypt now), signed in again and again.
        const again = legacyPhones(imported, imported + rehashedSet);
        await counted(bench, provider, `rehash-imported-${target}`, { concurrency: 4, count: rehashedSet, mode: 'password', password: legacyPassword, phones: again, captchas: [] });
        const after = await storm(bench, provider, `signin-imported-after-${target}`, { ...timed(bench), mode: 'password', password: legacyPassword, phones: again, captchas: [] });
        rows.push(signInRow(label('after the rehash', target, bench), 1, after, { note: `${rehashedSet} imported accounts signed in once before` }));
      } finally {
        await provider.started.stop();
      }
      imported = target;
    }
    bench.facts.importSteps = steps;
    return rows;
  },
  targets(rows, all) {
    return rows
      .filter((row) => row.scenario.includes('after the rehash'))
      .map((row) => withinTenPercentOfSmall(`${row.scenario.replace('password sign-ins, after the rehash ', 'password sign-ins with ')} within 10 % of 1,000 seeded (WORKERS=1)`, row, all));
  },
};
export default scenario;
