// A successful userinfo request builds no InvalidToken (oidc-provider's eager `ctx.assert` errors,
// made lazy by scripts/patch-oidc-provider.mjs) and decrypts only the personal data its scopes
// release; a bad token still gets 401 invalid_token.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import t from 'tap';
import { errors } from 'oidc-provider';
import { createTestDatabase, engineName } from '../../helpers/database.js';
import { startTestApp, type TestApp } from '../../helpers/app.js';
import { createBrowser, inputValue } from '../../helpers/http-client.js';
import { demoRedirect, openidRelyingParty } from '../../helpers/oidc-flow.js';
import { freshPhone, registerThroughPages, strongPassword, syntheticIdNumber } from '../../helpers/citizens.js';
import { createAccountClaims } from '../../../src/oidc/account-claims.js';
import { createAccountService } from '../../../src/services/accounts.js';

t.test('the installed oidc-provider builds its access-token errors only when it throws them', async (t) => {
  const lib = dirname(createRequire(import.meta.url).resolve('oidc-provider'));
  const source = readFileSync(join(lib, 'shared/access_token.js'), 'utf8');
  t.notMatch(source, /ctx\.assert\(\w+, new InvalidToken/, 'no eager InvalidToken left (npm install runs scripts/patch-oidc-provider.mjs)');
});

async function signIn(app: TestApp, phone: string, scope: string): Promise<string> {
  const rp = await openidRelyingParty(app, { scope });
  const flow = await rp.authorization();
  const browser = createBrowser(app.url);
  const login = await browser.follow(flow.url);
  const signedIn = await browser.post(`${login.url}/password`, { _csrf: inputValue(login.text, '_csrf') ?? '', account: phone, password: strongPassword });
  const landed = await browser.follow(signedIn.location as string, (u) => u.startsWith(demoRedirect));
  return (await rp.redeem(landed.url, flow)).access_token;
}

t.test(`userinfo: no error objects, no personal data it does not release (${engineName})`, async (t) => {
  const testDb = await createTestDatabase();
  t.teardown(() => testDb.drop());
  const app = await startTestApp(t, { database: testDb.database });
  const phone = freshPhone();
  const documentNumber = syntheticIdNumber();
  await registerThroughPages(app, createBrowser(app.url), '/register', { certType: '01', documentNumber, name: '用户信息', phone });

  const capture = Error.captureStackTrace;
  let invalidTokens = 0;
  Error.captureStackTrace = (target: object, ...rest: [Function?]) => {
    if (target instanceof errors.InvalidToken) invalidTokens += 1;
    capture(target, ...rest);
  };
  t.teardown(() => {
    Error.captureStackTrace = capture;
  });
  const userinfo = async (token: string) => {
    invalidTokens = 0;
    const res = await fetch(`${app.url}/me`, { headers: { authorization: `Bearer ${token}` } });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const ok = await userinfo(await signIn(app, phone, 'openid profile'));
  t.equal(ok.status, 200);
  t.equal(ok.body.name, '用户信息', 'the name is released');
  t.equal(ok.body.phone_number, undefined, 'the phone is not');
  t.equal(invalidTokens, 0, 'no InvalidToken was constructed on the successful request');
  const bad = await userinfo('not-a-token');
  t.equal(bad.status, 401, 'an unknown token is still refused');
  t.equal(bad.body.error, 'invalid_token');
  t.equal(invalidTokens, 1, 'with the one error it throws');

  // The claims as the provider builds them, through an account service whose cipher is watched.
  const { secrets, services, clock } = app.container;
  const decrypted: string[] = [];
  const cipher = { ...secrets.cipher, decrypt: (envelope: string, aad: string) => (decrypted.push(aad.split(':')[0] as string), secrets.cipher.decrypt(envelope, aad)) };
  const accounts = createAccountService({ db: testDb.database.db, secrets: { cipher, blindIndex: secrets.blindIndex }, hasher: services.hasher, registry: services.registry, clock, audit: services.audit, levels: services.levels });
  const claims = createAccountClaims({ accounts });
  const accountId = (await accounts.findAccountIdByPhone(`+86${phone}`)) as string;
  const claimsFor = async (scope: string, requested: Record<string, null> = {}) => {
    decrypted.length = 0;
    const account = await claims.findAccount(undefined as never, accountId);
    const released = await account?.claims('userinfo', scope, requested, []);
    return { released: released as Record<string, unknown>, decrypted: [...decrypted] };
  };

  const plain = await claimsFor('openid');
  t.equal(plain.released.identity_level, 'registered', 'without a proof the account is registered');
  t.same(plain.decrypted, [], 'and nothing personal is decrypted for scope openid');
  const profile = await claimsFor('openid profile');
  t.equal(profile.released.name, '用户信息');
  t.same(profile.decrypted, ['accounts.name'], 'profile decrypts the name only');
  const identity = await claimsFor('openid identity');
  t.equal(identity.released.id_number !== undefined && identity.released.verified_claims === undefined, true, 'identity releases the document (no verified_claims below real_name)');

  await accounts.addProof(accountId, { kind: 'registry_match', level: 'real_name', adapter: 'test', identityKey: services.levels.keyOf({ certType: '01', number: documentNumber, name: '用户信息' }) });
  const openid = await claimsFor('openid');
  t.equal(openid.released.identity_level, 'real_name', 'with a registry match of its identity the account is real_name');
  t.same(openid.decrypted.sort(), ['account_documents.number', 'accounts.name'], 'so name and document are decrypted (and their tags checked) for it, the phone is not');
  const withPhone = await claimsFor('openid phone');
  t.equal(withPhone.released.phone_number, `+86${phone}`);
  t.ok(withPhone.decrypted.includes('phones.phone'), 'the phone scope decrypts the number');
  const asked = await claimsFor('openid', { phone_number: null });
  t.equal(asked.released.phone_number, `+86${phone}`, 'as does the claims parameter');
});
