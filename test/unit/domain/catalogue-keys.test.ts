// Every code and label key the domain modules return has a message in both catalogues.

import t from 'tap';
import { certTypeLabelKeys, documentErrorCodes } from '../../../src/domain/documents.js';
import { identityLevelLabelKeys } from '../../../src/domain/levels.js';
import { passwordErrorCodes, passwordRuleHintKey } from '../../../src/domain/password-policy.js';
import { phoneErrorCodes } from '../../../src/domain/phone.js';
import { en } from '../../../src/i18n/en.js';
import { zhCN } from '../../../src/i18n/zh-CN.js';

const keys = [
  ...Object.values(certTypeLabelKeys),
  ...documentErrorCodes,
  ...phoneErrorCodes,
  ...passwordErrorCodes,
  passwordRuleHintKey,
  ...Object.values(identityLevelLabelKeys),
];

t.test('domain keys are in zh-CN and en', async (t) => {
  for (const key of keys) {
    t.ok(Object.hasOwn(zhCN, key) && /\p{Script=Han}/u.test((zhCN as Record<string, string>)[key] ?? ''), `zh-CN ${key}`);
    t.ok(Object.hasOwn(en, key) && /^[\x20-\x7e–’]+$/.test((en as Record<string, string>)[key] ?? ''), `en ${key}`);
  }
});

t.test('the labels the contract names', async (t) => {
  const zh = zhCN as Record<string, string>;
  t.equal(zh[certTypeLabelKeys['01']], '居民身份证(户口簿)');
  t.equal(zh[certTypeLabelKeys['11']], '港澳台居民居住证');
  t.same(Object.values(identityLevelLabelKeys).map((k) => zh[k]), ['注册用户', '实名用户', '实人用户']);
  t.equal(zh['password.rule_hint'], '密码须为8-20位，至少包含大写字母、小写字母、数字、符号中的3种，且不能包含手机号或证件号码');
});
