// cases.outboxRetentionDays (CASES_OUTBOX_RETENTION_DAYS): 30 days by default, a whole number of
// days from 1 to 3650 from the environment, anything else refused with one line naming the key.

import t from 'tap';
import { ConfigError, loadConfig } from '../../../src/config/load.js';

t.test('delivered webhook outbox rows are kept 30 days by default', async (t) => {
  t.equal(loadConfig({ env: {} }).cases.outboxRetentionDays, 30);
  t.equal(loadConfig({ env: { CASES_OUTBOX_RETENTION_DAYS: '' } }).cases.outboxRetentionDays, 30, 'an empty value counts as unset, as for every key');
});

t.test('CASES_OUTBOX_RETENTION_DAYS sets it', async (t) => {
  t.equal(loadConfig({ env: { CASES_OUTBOX_RETENTION_DAYS: '7' } }).cases.outboxRetentionDays, 7);
  t.equal(loadConfig({ env: { CASES_OUTBOX_RETENTION_DAYS: ' 365 ' } }).cases.outboxRetentionDays, 365);
});

t.test('a bad value is refused, one line naming the key', async (t) => {
  for (const bad of ['0', '-1', '1.5', 'thirty', '3651']) {
    const err = t.throws(() => loadConfig({ env: { CASES_OUTBOX_RETENTION_DAYS: bad } }), `${JSON.stringify(bad)} refused`) as ConfigError;
    t.type(err, ConfigError);
    t.equal(err.problems.length, 1, `${JSON.stringify(bad)}: one problem`);
    t.match(err.problems[0], /cases\.outboxRetentionDays/);
  }
});
