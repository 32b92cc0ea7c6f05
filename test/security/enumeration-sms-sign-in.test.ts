// Known and unknown identifiers look alike (issue 8; helpers/enumeration.ts measures): the SMS sign-in send for a number with an account
// and one without: the same answer, medians within 20 %.

import t from 'tap';
import { engineName } from '../helpers/database.js';
import { createBrowser, inputValue } from '../helpers/http-client.js';
import { solvedCaptcha } from '../helpers/oidc-flow.js';
import { freshPhone } from '../helpers/citizens.js';
import { compare, startEnumerationWorld } from '../helpers/enumeration.js';

t.test(`known and unknown identifiers look alike: sms-sign-in (${engineName})`, async (t) => {
  const { app, rp, person } = await startEnumerationWorld(t);

  await t.test('SMS sign-in send: a number with an account vs one without', async (t) => {
    const browser = createBrowser(app.url);
    const flow = await rp.authorize(browser);
    await compare(
      t,
      'SMS send',
      async (kind) => {
        const page = await browser.get(`${flow.page.url}?method=sms`);
        const form = { _csrf: inputValue(page.text, '_csrf') as string, phone: kind === 'known' ? person.phone : freshPhone(), ...(await solvedCaptcha(app, page.text)) };
        return () => browser.post(`${flow.page.url}/sms/send`, form);
      },
      { status: 200, message: (res) => /<div class="notice" role="status">([^<]*)<\/div>/.exec(res.text)?.[1] ?? '', text: '验证码已发送，请查收短信' },
    );
  });
});
