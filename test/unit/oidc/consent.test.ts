// What a consent lists and grants, from the scope and claims parameters alone: every claim the
// provider releases has a line, unknown claims and scopes are dropped, and every line (and every
// reason a line is sensitive) has a message in both catalogues.

import t from 'tap';
import { providerClaimsConfig } from '../../../src/oidc/claims.js';
import { claimsParameterNames, consentRequestOf, disclosures, isKnownClaim } from '../../../src/oidc/consent.js';
import { en } from '../../../src/i18n/en.js';
import { zhCN } from '../../../src/i18n/zh-CN.js';

t.test('every claim the provider can release has a consent line', async (t) => {
  const released = new Set<string>();
  for (const [name, claims] of Object.entries(providerClaimsConfig())) {
    if (claims === null) released.add(name);
    else for (const claim of claims) released.add(claim);
  }
  // sid is oidc-provider's session id for logout, never personal data, and never granted by a consent
  released.delete('sid');
  for (const claim of released) t.ok(isKnownClaim(claim), `${claim} is named on the consent page`);
});

t.test('every line and every sensitivity reason has a message in zh-CN and en', async (t) => {
  const everything = consentRequestOf({ scope: 'openid profile phone identity family offline_access' });
  const reasons = new Set(everything.items.flatMap((i) => (i.sensitive ? [i.sensitive] : [])));
  const keys = [...disclosures.map((d) => `consent.item.${d}`), ...[...reasons].map((r) => `consent.sensitive_reason.${r}`)];
  t.ok(reasons.size >= 3, 'the reasons are collected');
  for (const key of keys) {
    t.ok(Object.hasOwn(zhCN, key), `zh-CN ${key}`);
    t.ok(Object.hasOwn(en, key), `en ${key}`);
  }
});

t.test('scope and claims parameter together; unknown names dropped', async (t) => {
  const request = consentRequestOf({
    scope: 'openid made-up profile',
    claims: JSON.stringify({ id_token: { id_number: null, nickname: null }, userinfo: { family_members: { essential: true }, name: null } }),
  });
  t.same(request.scopes, ['openid', 'profile'], 'unknown scopes are not granted');
  t.same(request.claims.sort(), ['family_members', 'id_number', 'name'], 'unknown claims are not granted');
  t.same(
    request.items.map((i) => i.disclosure),
    ['subject', 'identity_level', 'authentication', 'name', 'id_number', 'family_members'],
    'one line per disclosure, in a fixed order, no duplicates',
  );
  t.same(request.items.filter((i) => i.sensitive).map((i) => i.disclosure), ['id_number', 'family_members']);
  t.equal(request.sensitive, true);
  t.equal(consentRequestOf({ scope: 'openid profile phone' }).sensitive, false, 'name and phone are not sensitive');
});

t.test('a malformed claims parameter adds nothing', async (t) => {
  t.same(claimsParameterNames('{not json'), []);
  t.same(claimsParameterNames(JSON.stringify({ id_token: ['id_number'] })), [], 'arrays are not member lists');
  t.same(claimsParameterNames(undefined), []);
  t.same(consentRequestOf({ scope: 'openid', claims: '{' }).claims, []);
});
