// A citizen signed in to the user centre over HTTP (the password tab of the centre's own sign-in),
// for e2e tests that drive the centre's pages without a real browser.

import type { TestApp } from './app.js';
import { strongPassword, type Person } from './citizens.js';
import { createBrowser, inputValue, type Browser } from './http-client.js';

export async function centreBrowser(app: Pick<TestApp, 'url'>, person: Pick<Person, 'phone' | 'password'>): Promise<Browser> {
  const browser = createBrowser(app.url);
  const login = await browser.follow('/account');
  const signedIn = await browser.post(`${login.url}/password`, { _csrf: inputValue(login.text, '_csrf') ?? '', account: person.phone, password: person.password ?? strongPassword });
  await browser.follow(signedIn.location as string);
  return browser;
}
