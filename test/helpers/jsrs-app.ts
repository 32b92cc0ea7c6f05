// The 江苏智慧人社 app as a test client: it signs in as the native public client jsrs-app (PKCE)
// through the interaction pages, and calls the QR API (scan, confirm, cancel) with its access token.

import { createHash, randomBytes } from 'node:crypto';
import type { TestApp } from './app.js';
import { createBrowser, inputValue } from './http-client.js';
import { strongPassword } from './citizens.js';

/** The app signs `account` in with a password and gets an access token. */
export async function appAccessToken(app: TestApp, account: string, password = strongPassword): Promise<string> {
  const csrf = (html: string) => inputValue(html, '_csrf') ?? '';
  const phone = createBrowser(app.url);
  const verifier = randomBytes(32).toString('base64url');
  const redirectUri = `${app.url}/dev/app/callback`;
  const query = new URLSearchParams({
    client_id: 'jsrs-app',
    response_type: 'code',
    scope: 'openid profile',
    redirect_uri: redirectUri,
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
    state: 'app-state-1',
    prompt: 'login',
  });
  const login = await phone.follow(`/auth?${query}`);
  const signedIn = await phone.post(`${login.url}/password`, { _csrf: csrf(login.text), account, password });
  if (signedIn.status !== 303) throw new Error(`app sign-in failed: ${signedIn.status}`);
  let landed = await phone.follow(signedIn.location as string, (u) => u.startsWith(redirectUri));
  if (landed.status === 200 && /授权确认/.test(landed.text)) {
    // oidc-provider asks native clients for consent on every authorization (native_client_prompt).
    const consented = await phone.post(`${landed.url}/consent`, { _csrf: csrf(landed.text) });
    landed = await phone.follow(consented.location as string, (u) => u.startsWith(redirectUri));
  }
  const code = new URL(landed.url).searchParams.get('code') ?? '';
  if (!code) throw new Error(`no code: ${landed.status} ${landed.url} ${landed.text.slice(0, 300)}`);
  const res = await fetch(`${app.url}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: verifier, client_id: 'jsrs-app' }),
  });
  const tokens = (await res.json()) as { access_token?: string };
  if (!tokens.access_token) throw new Error(`no app token: ${JSON.stringify(tokens)}`);
  return tokens.access_token;
}

/** The app's QR API: scan, confirm or cancel the ticket link the QR encodes. */
export async function appQrApi(app: TestApp, action: 'scan' | 'confirm' | 'cancel', token: string, ticket: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${app.url}/api/app/qr/${action}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ ticket }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}
