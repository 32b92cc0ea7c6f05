// loggablePath: the access log's path with secret segments replaced by their route shape.

import t from 'tap';
import { loggablePath } from '../../../src/http/request-context.js';

t.test('secret segments become the route parameter', async (t) => {
  t.equal(loggablePath('/qr/l/abcDEF0123456789_-.secretSECRET0123456789abcdefghij'), '/qr/l/:ticket');
  t.equal(loggablePath('/qr/l/anything/more'), '/qr/l/:ticket/more');
  t.equal(loggablePath('/qr/l/'), '/qr/l/:ticket');
});

t.test('other paths are kept, long ones cut', async (t) => {
  for (const path of ['/', '/interaction/abc/password', '/api/app/qr/scan', '/federated/callback/jszw', '/qr/ticket.json', '/xqr/l/abc']) {
    t.equal(loggablePath(path), path);
  }
  t.equal(loggablePath(`/${'a'.repeat(400)}`), `/${'a'.repeat(255)}…`);
});
