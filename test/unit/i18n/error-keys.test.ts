// An error carries a MessageKey of the zh-CN catalogue: a misspelt key is a type error (this file is
// part of `npm run typecheck`, and each @ts-expect-error below fails it if the key were accepted).

import t from 'tap';
import { AppError, NotFoundError, RateLimitedError, UpstreamError, ValidationError } from '../../../src/errors/app-error.js';
import { t as translate } from '../../../src/i18n/index.js';

t.test('error codes are catalogue keys, checked by the compiler', async (t) => {
  const errors = [
    new AppError('errors.not_found', 404),
    new ValidationError('registration.name_required', 'name'),
    new NotFoundError(),
    new RateLimitedError(30),
    new UpstreamError('sms', 'errors.sms_unavailable'),
  ];
  for (const err of errors) {
    t.ok(translate('zh-CN', err.code, err.params).length > 0, `${err.code} has a zh-CN message`);
    t.ok(translate('en', err.code, err.params).length > 0, `${err.code} has an en message`);
  }
  // @ts-expect-error a key that is not in the catalogue does not compile
  t.equal(new AppError('errors.not_fuond', 404).code, 'errors.not_fuond', 'only the compiler refuses it; at run time it is the string');
  // @ts-expect-error the field errors of a form are catalogue keys too
  t.ok(new ValidationError('registration.nmae_required', 'name'));
});
