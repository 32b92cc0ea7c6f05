// Message lookup: outside production a missing key throws (so a page that would show one fails
// its test); production shows the key instead of failing a citizen's page; every audit event has
// a label in both catalogues, and the catalogues hold the same keys.

import t from 'tap';
import { auditEvents } from '../../../src/domain/audit-events.js';
import { en } from '../../../src/i18n/en.js';
import { MissingMessageError, setMissingMessagePolicy, t as translate } from '../../../src/i18n/index.js';
import { zhCN } from '../../../src/i18n/zh-CN.js';

t.test('a missing key throws unless production chose to show it', async (t) => {
  t.equal(translate('zh-CN', 'app.title'), '江苏人社统一身份认证');
  t.throws(() => translate('zh-CN', 'consent.granted'), MissingMessageError, 'a key no catalogue has throws by default');
  setMissingMessagePolicy('show-key');
  t.teardown(() => setMissingMessagePolicy('throw'));
  t.equal(translate('en', 'consent.granted'), 'consent.granted', 'production shows the key rather than fail the page');
});

t.test('both catalogues hold the same keys', async (t) => {
  t.same(Object.keys(en).sort(), Object.keys(zhCN).sort());
});

t.test('every audit event has a label in both catalogues (最近动态 never shows a raw name)', async (t) => {
  for (const event of auditEvents) {
    const key = `account.event.${event}`;
    t.ok(/\p{Script=Han}/u.test((zhCN as Record<string, string>)[key] ?? ''), `zh-CN ${key}`);
    t.ok(((en as Record<string, string>)[key] ?? '').length > 0, `en ${key}`);
  }
});
