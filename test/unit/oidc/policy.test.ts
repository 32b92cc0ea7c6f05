// The interaction policy's `policies` prompt (issue 15), on hand-made contexts: it sits between
// login and consent, asks only a signed-in account whose agreed version is not the one in force,
// lets an answer given in this very authorization through, and is not requestable (prompt=none
// yields interaction_required). Plus the page's messages in both catalogues.

import t from 'tap';
import type { KoaContextWithOIDC } from 'oidc-provider';
import { createInteractionPolicy, createPoliciesPrompt, policiesPromptName, policiesReason } from '../../../src/oidc/policy.js';
import { createPolicyAcceptance } from '../../../src/services/policy-acceptance.js';
import { en } from '../../../src/i18n/en.js';
import { zhCN } from '../../../src/i18n/zh-CN.js';

const version = '2027-01-15';
// needsAcceptance and version never touch the database or the audit
const policies = createPolicyAcceptance({ db: undefined as never, clock: undefined as never, audit: undefined as never, version });

function context(options: { accountId?: string; policyVersion?: string | null; result?: Record<string, unknown> }): KoaContextWithOIDC {
  const account = options.accountId ? { accountId: options.accountId, policyVersion: options.policyVersion ?? null, claims: () => ({ sub: options.accountId }) } : undefined;
  return { oidc: { session: { accountId: options.accountId }, account, result: options.result } } as unknown as KoaContextWithOIDC;
}

async function asks(ctx: KoaContextWithOIDC): Promise<boolean> {
  const check = createPoliciesPrompt(policies).checks.get(policiesReason);
  if (!check) throw new Error('no policies check');
  return (await check.check(ctx)) as boolean;
}

t.test('the prompt sits between login and consent, and only when the service is given', async (t) => {
  t.same(createInteractionPolicy({ policies }).map((p) => p.name), ['login', policiesPromptName, 'consent']);
  t.same(createInteractionPolicy().map((p) => p.name), ['login', 'consent'], 'without it, the library prompts as before');
  const prompt = createPoliciesPrompt(policies);
  t.equal(prompt.requestable, false, 'a client cannot ask for it with prompt=');
  t.same(prompt.checks.map((c) => c.reason), [policiesReason], 'one reason');
  t.equal(prompt.checks[0]?.error, 'interaction_required', 'prompt=none answers interaction_required');
});

t.test('who is asked', async (t) => {
  t.equal(await asks(context({})), false, 'nobody signed in: the login prompt comes first');
  t.equal(await asks(context({ accountId: 'a', policyVersion: null })), true, 'never asked (imported, from an upstream, older)');
  t.equal(await asks(context({ accountId: 'a', policyVersion: '2026-12-01' })), true, 'an earlier version');
  t.equal(await asks(context({ accountId: 'a', policyVersion: version })), false, 'the version in force');
  t.equal(await asks(context({ accountId: 'a', policyVersion: '2026-12-01', result: { [policiesPromptName]: { accepted: version } } })), false, 'agreed in this authorization');
  t.equal(await asks(context({ accountId: 'a', policyVersion: '2026-12-01', result: { [policiesPromptName]: { accepted: '2026-12-01' } } })), true, 'an answer to an older version does not count');
});

t.test('the details name the version in force and the one agreed to', async (t) => {
  const check = createPoliciesPrompt(policies).checks.get(policiesReason);
  t.same(await check?.details(context({ accountId: 'a', policyVersion: '2026-12-01' })), { policyVersion: version, acceptedVersion: '2026-12-01' });
  t.same(await check?.details(context({ accountId: 'a', policyVersion: null })), { policyVersion: version, acceptedVersion: null });
});

t.test('the page and the audit labels have messages in zh-CN and en', async (t) => {
  const keys = Object.keys(zhCN).filter((k) => k.startsWith('policies.') || k.startsWith('account.event.account.policies_'));
  t.ok(keys.length >= 10, 'the keys are collected');
  for (const key of keys) t.ok(Object.hasOwn(en, key), `en ${key}`);
  t.equal(zhCN['policies.accept' as keyof typeof zhCN], '同意并继续');
  t.equal(zhCN['policies.decline' as keyof typeof zhCN], '不同意');
});
