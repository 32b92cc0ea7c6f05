// Known and unknown identifiers look alike (issue 8; helpers/enumeration.ts measures): registration without the captcha, on the page (a
// registered document or phone vs a new one) and through the app API: the same answer, medians within 20 %.

import t from 'tap';
import { engineName } from '../helpers/database.js';
import { createBrowser, inputValue, type Response2 } from '../helpers/http-client.js';
import { freshPhone, syntheticIdNumber } from '../helpers/citizens.js';
import { compare, startEnumerationWorld } from '../helpers/enumeration.js';

t.test(`known and unknown identifiers look alike: registration (${engineName})`, async (t) => {
  const { app, person } = await startEnumerationWorld(t);

  await t.test('registration without the captcha: a registered document or phone vs a new one', async (t) => {
    const browser = createBrowser(app.url);
    const page = await browser.get('/register');
    const token = inputValue(page.text, '_csrf') as string;
    const fieldError = (res: Response2) => /<p class="error" id="e-captcha">([^<]*)<\/p>/.exec(res.text)?.[1] ?? '';
    await compare(
      t,
      'registration send (document)',
      async (kind) => {
        const form = {
          _csrf: token, flow: '', certType: '01', documentNumber: kind === 'known' ? person.documentNumber : syntheticIdNumber('19660606'), name: '王五', phone: freshPhone(),
          captchaId: inputValue((await browser.get('/register')).text, 'captchaId') as string, captcha: 'zzzz', action: 'send',
        };
        return () => browser.post('/register', form);
      },
      { status: 400, message: fieldError, text: '图形验证码错误或已失效，请重新输入' },
    );
    await compare(
      t,
      'registration send (phone)',
      async (kind) => {
        const form = {
          _csrf: token, flow: '', certType: '01', documentNumber: syntheticIdNumber('19550505'), name: '王五', phone: kind === 'known' ? person.phone : freshPhone(),
          captchaId: inputValue((await browser.get('/register')).text, 'captchaId') as string, captcha: 'zzzz', action: 'send',
        };
        return () => browser.post('/register', form);
      },
      { status: 400, message: fieldError, text: '图形验证码错误或已失效，请重新输入' },
    );
  });

  await t.test('app registration API without the captcha: registered vs new document', async (t) => {
    const browser = createBrowser(app.url);
    await compare(
      t,
      'app API sms-code',
      async (kind) => {
        const captcha = (await (await browser.request('/api/register/captcha', { method: 'POST', json: {} })).text) as string;
        const { captcha_id } = JSON.parse(captcha) as { captcha_id: string };
        const json = { cert_type: '01', document_number: kind === 'known' ? person.documentNumber : syntheticIdNumber('19440404'), name: '王五', phone: freshPhone(), captcha_id, captcha_answer: 'zzzz' };
        return () => browser.request('/api/register/sms-code', { method: 'POST', json });
      },
      { status: 400, message: (res) => (JSON.parse(res.text) as { message?: string }).message ?? '', text: '图形验证码错误或已失效，请重新输入' },
    );
  });
});
