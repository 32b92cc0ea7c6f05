// The pure parts of 注销账号: which (client, sub, sid) a deleted account's provider sessions name for
// back-channel logout, and that the confirmation is checked before any proof is verified.

import t from 'tap';
import { createAccountDeletion, logoutTargetsOf } from '../../../src/services/account-deletion.js';
import { ValidationError } from '../../../src/errors/app-error.js';

t.test('logoutTargetsOf: one target per client and session, malformed entries skipped', async (t) => {
  const targets = logoutTargetsOf([
    { accountId: 'acc-1', authorizations: { 'rp-a': { sid: 'sid-1', grantId: 'g1' }, 'rp-b': { sid: 'sid-2' } } },
    { accountId: 'acc-1', authorizations: { 'rp-a': { sid: 'sid-1' }, 'rp-c': { grantId: 'no-sid' }, 'rp-d': null } },
    { accountId: 'acc-1', authorizations: { 'rp-a': { sid: 'sid-3' } } },
    { authorizations: { 'rp-e': { sid: 'sid-4' } } },
    { accountId: 'acc-1' },
  ]);
  t.same(targets, [
    { clientId: 'rp-a', sub: 'acc-1', sid: 'sid-1' },
    { clientId: 'rp-b', sub: 'acc-1', sid: 'sid-2' },
    { clientId: 'rp-a', sub: 'acc-1', sid: 'sid-3' },
  ]);
});

t.test('an unticked confirmation is refused before the proof is checked or anything is read', async (t) => {
  let verified = 0;
  let recorded = 0;
  const deletion = createAccountDeletion({
    db: new Proxy({}, { get: () => { throw new Error('no database access expected'); } }) as never,
    audit: { record: async () => void (recorded += 1) },
    reauth: { verify: async () => void (verified += 1) },
  });
  const refused = await deletion.deleteAccount('acc-1', { confirmed: false, reauth: { method: 'pwd', password: 'x' } }, {}).then(() => undefined, (err: unknown) => err);
  t.ok(refused instanceof ValidationError, 'a validation error');
  t.match(refused, { code: 'account.delete.confirm_required', field: 'confirm' });
  t.equal(verified, 0, 'no password attempt');
  t.equal(recorded, 0, 'nothing audited');
});
