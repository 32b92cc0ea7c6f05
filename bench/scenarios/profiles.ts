// CPU profiles of the provider (WORKERS=1, node --cpu-prof) under userinfo, a password storm and an
// SMS storm (and, when asked, client credentials), summarised by area and by function
// (bench/profile-summary.ts). Produces no rows.

import { readdirSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { HttpClient } from '../lib/http.js';
import { passwordSignIn } from '../lib/signin.js';
import { basic, form, type Scenario, type SignInLoad } from '../lib/context.js';
import { summariseProfile } from '../profile-summary.js';
import { phones, timed } from './signins.js';

const scenario: Scenario = {
  id: 'profiles',
  needs: 'alone',
  async run(bench) {
    if (!bench.options.profile) return [];
    const profileDir = join(bench.tmp, 'profiles');
    const profiled = async (name: string, job: SignInLoad | 'userinfo' | 'client-credentials') => {
      if (!bench.options.profiles.has(name)) return;
      const dir = join(profileDir, name);
      mkdirSync(dir, { recursive: true });
      const p = await bench.startProvider(1, ['--cpu-prof', `--cpu-prof-dir=${dir}`]);
      if (job === 'userinfo') {
        const client = new HttpClient({ base: bench.base, publicOrigin: bench.issuer });
        const tokens = await passwordSignIn(client, bench.rp, phones(1, 2)[0] as string, bench.password);
        client.close();
        await bench.httpLoad('profile-userinfo', `${bench.base}/me`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
      } else if (job === 'client-credentials') {
        await bench.httpLoad('profile-client-credentials', `${bench.base}/token`, { method: 'POST', headers: { ...form, authorization: basic(bench.cc.clientId, bench.cc.clientSecret) }, body: 'grant_type=client_credentials' });
      } else {
        await bench.signIns(`profile-${name}`, job);
      }
      await p.started.stop(20_000);
      const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
      if (file) bench.profiles[name] = summariseProfile(join(dir, file));
      bench.log(`profile ${name}: ${join(dir, file ?? '(none)')}`);
    };
    await profiled('userinfo', 'userinfo');
    await profiled('client-credentials', 'client-credentials');
    await profiled('password-storm', { ...timed(bench), mode: 'password', phones: phones(0, bench.smallAccounts), captchas: [] });
    if (bench.options.profiles.has('sms-storm')) await bench.seedAccountsTo(100_000);
    await profiled('sms-storm', { ...timed(bench), mode: 'sms', phones: phones(90_000, 100_000), captchas: bench.takeCaptchas(5_000) });
    return [];
  },
};
export default scenario;
