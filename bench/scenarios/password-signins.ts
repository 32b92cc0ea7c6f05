// Password sign-ins of the seeded accounts, end to end (authorization → login → token), against
// the bcrypt hash bound. Round trips per sign-in are counted once, with the first WORKERS value.

import { fmt, type Scenario } from '../lib/context.js';
import { counted, phones, signInRow, storm, timed } from './signins.js';

let perSignIn: Awaited<ReturnType<typeof counted>> | undefined;

const scenario: Scenario = {
  id: 'password-signins',
  needs: 'node',
  async run(bench, provider) {
    if (!provider) throw new Error('password-signins needs the provider');
    bench.log(`password sign-ins with ${bench.smallAccounts} accounts (WORKERS=${provider.workers})`);
    const r = await storm(bench, provider, `signin-password-w${provider.workers}`, { ...timed(bench), mode: 'password', phones: phones(0, bench.smallAccounts), captchas: [] });
    if (!perSignIn) {
      perSignIn = await counted(bench, provider, 'count-password', { concurrency: 4, count: 40, mode: 'password', phones: phones(0, bench.smallAccounts), captchas: [] });
      bench.facts.perPasswordSignIn = perSignIn;
    }
    const row = signInRow(`password sign-ins (${bench.smallAccounts.toLocaleString('en')} accounts)`, provider.workers, r, { queriesPerRequest: perSignIn.queriesPerSignIn, note: 'reference = bcrypt hash bound' });
    return [row];
  },
  targets(rows, all) {
    const bound = all.find((r) => r.unit === 'verifications/s');
    return rows.flatMap((row) => {
      if (bound) {
        row.reference = bound.perSecond;
        row.ratio = row.perSecond / bound.perSecond;
      }
      return [
        {
          target: `password sign-ins ≥ 0.9 × hash bound (WORKERS=${row.workers})`,
          measured: `${fmt(row.ratio, 2)} × (${fmt(row.perSecond, 2)} vs ${fmt(bound?.perSecond, 2)}/s)`,
          met: row.ratio !== null && row.ratio >= 0.9,
        },
        { target: `event-loop delay p99 < 50 ms during the password storm (WORKERS=${row.workers})`, measured: `${fmt(row.eventLoopP99Ms)} ms`, met: (row.eventLoopP99Ms ?? Infinity) < 50 },
      ];
    });
  },
};
export default scenario;
