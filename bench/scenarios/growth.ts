// Growth: the database grown in bulk (accounts to --growth-accounts, default 1,000,000, counting those
// the imported-signins scenario brought, and 10× stored tokens, inserted directly, not through
// HTTP), the size and one purge run's cost at that size, then the password storm again with
// WORKERS=1: within 10 % of the 1,000-account rate.

import { sql } from 'kysely';
import { systemClock } from '../../src/domain/clock.js';
import { housekeepOnce } from '../../src/jobs/purge-expired.js';
import { accountsInDatabase, fmt, storedTokens, type Scenario } from '../lib/context.js';
import { seedStoredTokens } from '../lib/seed.js';
import { phones, signInRow, storm, timed, withinTenPercentOfSmall } from './signins.js';

const scenario: Scenario = {
  id: 'growth',
  needs: 'alone',
  async run(bench) {
    const growthAccounts = bench.options.growthAccounts;
    const before = await storedTokens(bench.database.db);
    // Accounts the imported-signins scenario brought count: seed only what is missing.
    const present = await accountsInDatabase(bench.database.db);
    bench.log(`growth: seeding to ${growthAccounts} accounts (from ${present}) and ${before * 10} stored tokens (from ${before})`);
    await bench.seedAccountsTo(bench.accounts() + Math.max(0, growthAccounts - present));
    const total = await accountsInDatabase(bench.database.db);
    await seedStoredTokens(bench.database.db, before * 9);
    // As many again expired (an hour past expiry): what the purge finds on a node that grew this big.
    const expired = Math.max(20_000, before);
    await seedStoredTokens(bench.database.db, expired, true);
    await sql`analyze`.execute(bench.database.db);
    const size = await sql<{ n: string }>`select pg_database_size(current_database())::text as n`.execute(bench.database.db);
    const purgeStarted = performance.now();
    const purged = await housekeepOnce(bench.database.db, systemClock, { batchSize: 1000, auditRetentionDays: 180 });
    const purgeMs = performance.now() - purgeStarted;
    const after = await storedTokens(bench.database.db);
    bench.facts.storedTokens = { beforeGrowth: before, afterGrowth: after };
    bench.facts.databaseBytesAfterGrowth = Number(size.rows[0]?.n ?? 0);
    bench.facts.purgeAfterGrowth = { ms: Math.round(purgeMs), oidcRowsDeleted: purged.oidc, expiredSeeded: expired, batchSize: 1000, maxBatchesPerRun: 20 };
    bench.log(`growth: database ${fmt(bench.facts.databaseBytesAfterGrowth as number / 1024 ** 2, 0)} MiB; one purge run deleted ${purged.oidc} expired oidc rows in ${fmt(purgeMs, 0)} ms`);
    const provider = await bench.startProvider(1);
    try {
      const r = await storm(bench, provider, 'signin-password-growth', { ...timed(bench), mode: 'password', phones: phones(0, bench.accounts()), captchas: [] });
      const row = signInRow(`password sign-ins (${total.toLocaleString('en')} accounts, 10× tokens)`, 1, r, { note: `${after} stored tokens` });
      return [row];
    } finally {
      await provider.started.stop();
    }
  },
  targets(rows, all) {
    const growthAccounts = rows[0]?.scenario.match(/\(([\d,]+) accounts/)?.[1] ?? '?';
    return rows.map((row) => withinTenPercentOfSmall(`growth: password sign-ins with ${growthAccounts} accounts and 10× tokens within 10 % of 1,000 (WORKERS=1)`, row, all));
  },
};
export default scenario;
