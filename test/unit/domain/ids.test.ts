// The one id pattern: UUIDs of either case pass; anything else (other shapes, other types) does not.

import t from 'tap';
import { randomUUID } from 'node:crypto';
import { isUuid, uuidPatternSource } from '../../../src/domain/ids.js';

t.test('isUuid', async (t) => {
  const id = randomUUID();
  t.ok(isUuid(id), 'a generated id');
  t.ok(isUuid(id.toUpperCase()), 'upper case too (PostgreSQL accepts it as uuid)');
  for (const bad of ['', 'not-a-uuid', `${id}x`, ` ${id}`, id.replace(/-/g, ''), `${id}\n`, 'zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz', '1; drop table accounts']) {
    t.notOk(isUuid(bad), `refused: ${JSON.stringify(bad)}`);
  }
  for (const other of [undefined, null, 42, {}, [id]]) t.notOk(isUuid(other), `not a string: ${JSON.stringify(other)}`);
});

t.test('the SQL side uses the same anchored text', async (t) => {
  t.match(uuidPatternSource, /^\^.*\$$/, 'anchored at both ends');
  const id = randomUUID();
  t.ok(new RegExp(uuidPatternSource).test(id) && new RegExp(uuidPatternSource).test(id.toUpperCase()), 'either case without a case-insensitive flag (SQL uses `~`)');
});
