// The real-name form (the user centre's 基本信息修改 and the step-up's 实名认证) posted as a citizen
// does: the identity, the current password to prove it is them, and the page's graphical captcha.

import type { TestApp } from './app.js';
import { strongPassword } from './citizens.js';
import { inputValue, type Browser, type Response2 } from './http-client.js';
import { captchaAnswer } from './oidc-flow.js';

export interface RealNameIdentity {
  certType: string;
  documentNumber: string;
  name: string;
}

/** Posts the form of `page` (fetched just before, so its captcha is the newest) to `action`; `extra` overrides any field. */
export async function postRealName(app: Pick<TestApp, 'url'>, browser: Browser, page: Response2, action: string, identity: RealNameIdentity, extra: Record<string, string> = {}): Promise<Response2> {
  return browser.post(action, {
    _csrf: inputValue(page.text, '_csrf') ?? '',
    flow: inputValue(page.text, 'flow') ?? '',
    ...identity,
    reauth: 'pwd',
    current: strongPassword,
    captchaId: inputValue(page.text, 'captchaId') ?? '',
    captcha: await captchaAnswer(app),
    ...extra,
  });
}
