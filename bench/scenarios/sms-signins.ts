// SMS-code sign-ins: each citizen its own number (one SMS per number per minute) and a seeded
// captcha, the code read from the SMS sink. Target: 150/s with WORKERS=2 on this machine.

import { fmt, type Scenario } from '../lib/context.js';
import { counted, phones, signInRow, storm, timed } from './signins.js';

let perSignIn: Awaited<ReturnType<typeof counted>> | undefined;
// Seeded accounts past the 1,000 of the password storms; each WORKERS run takes a fresh slice.
let nextPhone = 1_000;

const scenario: Scenario = {
  id: 'sms-signins',
  needs: 'node',
  async run(bench, provider) {
    if (!provider) throw new Error('sms-signins needs the provider');
    bench.log(`SMS-code sign-ins (WORKERS=${provider.workers}; each with its own number and a seeded captcha)`);
    const from = nextPhone;
    nextPhone += 40_000;
    await bench.seedAccountsTo(from + 40_000);
    const r = await storm(bench, provider, `signin-sms-w${provider.workers}`, { ...timed(bench), mode: 'sms', phones: phones(from, from + 39_000), captchas: bench.takeCaptchas(10_000) });
    if (!perSignIn) {
      perSignIn = await counted(bench, provider, 'count-sms', { concurrency: 4, count: 40, mode: 'sms', phones: phones(from + 39_000, from + 39_100), captchas: bench.takeCaptchas(100) });
      bench.facts.perSmsSignIn = perSignIn;
    }
    const row = signInRow('SMS-code sign-ins', provider.workers, r, { queriesPerRequest: perSignIn.queriesPerSignIn, note: 'target: 150/s with WORKERS=2' });
    return [row];
  },
  targets(rows) {
    return rows
      .filter((row) => row.workers === 2)
      .map((row) => ({ target: 'SMS-code sign-ins ≥ 150/s (WORKERS=2)', measured: `${fmt(row.perSecond, 1)}/s`, met: row.perSecond >= 150 }));
  },
};
export default scenario;
