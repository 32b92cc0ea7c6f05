// One complete citizen sign-in over HTTP, as a browser and a relying party would do it:
// authorization request → login page → password (or SMS code) → resume → code → token.
// A fresh cookie jar and a fresh client IP per sign-in (one citizen each).

import { createHash, randomBytes } from 'node:crypto';
import { solveChallenge, type Challenge } from 'altcha-lib';
import { deriveKey } from 'altcha-lib/algorithms/sha';
import { HttpClient, inputValue, Jar, type Reply } from './http.js';

export interface RelyingParty {
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  scope: string;
}

export interface Tokens {
  access_token: string;
  refresh_token?: string;
  id_token: string;
}

export type SmsCodeSource = (phoneE164: string) => Promise<string>;

let ipCounter = Math.floor(Math.random() * 1_000_000);
/** A distinct client address per citizen (10.0.0.0/8), as the load balancer reports it. */
export function nextCitizenIp(): string {
  ipCounter = (ipCounter + 1) % 16_000_000;
  return `10.${(ipCounter >> 16) & 255}.${(ipCounter >> 8) & 255}.${ipCounter & 255}`;
}

/** Solves the proof-of-work challenge next to the page's captcha (the hidden `pow` field's payload). */
async function solvePagePow(html: string): Promise<string> {
  const raw = /data-pow-challenge="([^"]*)"/.exec(html)?.[1];
  if (!raw) throw new Error('sms page without a proof-of-work challenge');
  const challenge = JSON.parse(raw.replace(/&quot;/g, '"').replace(/&amp;/g, '&')) as Challenge;
  const solution = await solveChallenge({ challenge, deriveKey });
  if (!solution) throw new Error('proof of work not solved');
  return Buffer.from(JSON.stringify({ challenge, solution: { counter: solution.counter, derivedKey: solution.derivedKey } })).toString('base64');
}

function expect(reply: Reply, status: number, step: string): Reply {
  if (reply.status !== status) throw new Error(`${step}: expected ${status}, got ${reply.status} ${reply.body.slice(0, 300).replace(/\s+/g, ' ')}`);
  return reply;
}

function basic(rp: RelyingParty): string {
  return `Basic ${Buffer.from(`${encodeURIComponent(rp.clientId)}:${encodeURIComponent(rp.clientSecret)}`).toString('base64')}`;
}

/** Starts the authorization request; returns the interaction path, the jar and the PKCE verifier. */
async function authorize(http: HttpClient, rp: RelyingParty, ip: string) {
  const jar = new Jar();
  const verifier = randomBytes(32).toString('base64url');
  const state = randomBytes(8).toString('hex');
  const query = new URLSearchParams({
    client_id: rp.clientId,
    response_type: 'code',
    scope: rp.scope,
    redirect_uri: rp.redirectUri,
    state,
    nonce: randomBytes(8).toString('hex'),
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
  });
  const start = expect(await http.request('GET', `/auth?${query.toString()}`, { jar, ip }), 303, 'authorization request');
  const interaction = http.local(start.location ?? '');
  return { jar, verifier, state, interaction };
}

/** Follows the resume redirect to the client's redirect_uri and redeems the code. */
async function finish(http: HttpClient, rp: RelyingParty, flow: { jar: Jar; verifier: string; state: string }, resume: Reply, ip: string): Promise<Tokens> {
  let location = resume.location ?? '';
  for (let hop = 0; hop < 5 && !location.startsWith(rp.redirectUri); hop += 1) {
    const next = await http.request('GET', http.local(location), { jar: flow.jar, ip });
    if (next.status < 300 || next.status >= 400 || !next.location) throw new Error(`resume: ${next.status} ${next.body.slice(0, 300)}`);
    location = next.location;
  }
  const callback = new URL(location);
  const code = callback.searchParams.get('code');
  if (!code || callback.searchParams.get('state') !== flow.state) throw new Error(`no code at the redirect_uri: ${location.slice(0, 200)}`);
  const token = expect(
    await http.request('POST', '/token', {
      ip: '192.0.2.10', // the relying party's server
      headers: { authorization: basic(rp) },
      form: { grant_type: 'authorization_code', code, redirect_uri: rp.redirectUri, code_verifier: flow.verifier },
    }),
    200,
    'token',
  );
  const tokens = JSON.parse(token.body) as Tokens;
  if (!tokens.access_token || !tokens.id_token) throw new Error('token response without tokens');
  return tokens;
}

export async function passwordSignIn(http: HttpClient, rp: RelyingParty, account: string, password: string): Promise<Tokens> {
  const ip = nextCitizenIp();
  const flow = await authorize(http, rp, ip);
  const page = expect(await http.request('GET', flow.interaction, { jar: flow.jar, ip }), 200, 'login page');
  const csrf = inputValue(page.body, '_csrf');
  if (!csrf) throw new Error('login page without _csrf');
  const posted = expect(
    await http.request('POST', `${flow.interaction}/password`, { jar: flow.jar, ip, form: { _csrf: csrf, account, password }, verifiesHash: true }),
    303,
    'password',
  );
  return finish(http, rp, flow, posted, ip);
}

export async function smsSignIn(
  http: HttpClient,
  rp: RelyingParty,
  phoneNational: string,
  captcha: { id: string; answer: string },
  smsCode: SmsCodeSource,
): Promise<Tokens> {
  const ip = nextCitizenIp();
  const flow = await authorize(http, rp, ip);
  // The redirect lands on the login page (password tab); the citizen then picks 手机动态码.
  expect(await http.request('GET', flow.interaction, { jar: flow.jar, ip }), 200, 'login page');
  const smsPage = expect(await http.request('GET', `${flow.interaction}?method=sms`, { jar: flow.jar, ip }), 200, 'sms tab');
  const csrf = inputValue(smsPage.body, '_csrf');
  if (!csrf || !inputValue(smsPage.body, 'captchaId')) throw new Error('sms page without _csrf or captcha');
  const pow = await solvePagePow(smsPage.body);
  const sent = expect(
    await http.request('POST', `${flow.interaction}/sms/send`, {
      jar: flow.jar,
      ip,
      // The seeded captcha the bench knows the answer of, instead of the one in the image.
      // The page's proof of work is solved for real, as the page's script would.
      form: { _csrf: csrf, phone: phoneNational, captchaId: captcha.id, captcha: captcha.answer, pow },
    }),
    200,
    'sms send',
  );
  const flowId = inputValue(sent.body, 'flow');
  if (!flowId) throw new Error(`sms send page without flow: ${sent.body.slice(0, 200)}`);
  const code = await smsCode(`+86${phoneNational}`);
  const verified = expect(
    await http.request('POST', `${flow.interaction}/sms/verify`, { jar: flow.jar, ip, form: { _csrf: inputValue(sent.body, '_csrf') ?? csrf, flow: flowId, code } }),
    303,
    'sms verify',
  );
  return finish(http, rp, flow, verified, ip);
}

/** Waits for the code the SMS sink received for `phoneE164` (long poll on the sink). */
export function smsSinkSource(http: HttpClient): SmsCodeSource {
  return async (phoneE164) => {
    const reply = await http.request('GET', `/sms/wait?phone=${encodeURIComponent(phoneE164)}`);
    if (reply.status !== 200) throw new Error(`sms sink: ${reply.status}`);
    const code = /(\d{6})/.exec((JSON.parse(reply.body) as { text: string }).text)?.[1];
    if (!code) throw new Error('sms without a code');
    return code;
  };
}
