// The access line's writer (flatLineWriter): for a flat line it censors exactly what the process
// logger censors and writes the same bytes, and its type refuses nested values (where only the
// logger's wildcard paths would have censored).

import { Writable } from 'node:stream';
import t from 'tap';
import { createLogger, flatLineWriter, type FlatLine } from '../../../src/log/logger.js';

function capture() {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString('utf8'));
      done();
    },
  });
  const logger = createLogger('info', sink);
  // The timestamp differs between two writes; everything else must not.
  return { logger, written: () => lines.map((l) => l.replace(/"time":"[^"]*",/, '')) };
}

t.test('an access line is written as the logger writes it', (t) => {
  const { logger, written } = capture();
  const line = { reqId: '7f1c', method: 'GET', route: '/account/apps/:clientId', path: '/account/apps/rp1', status: 200, ms: 3.2 };
  logger.info(line, 'request');
  flatLineWriter(logger)(line, 'request');
  const [viaLogger, viaWriter] = written();
  t.equal(viaWriter, viaLogger);
  t.match(viaWriter, /"route":"\/account\/apps\/:clientId".*"status":200/);
  t.end();
});

t.test('every sensitive top-level key is censored as by the logger', (t) => {
  const { logger, written } = capture();
  const line = { reqId: 'r2', phone: '13800000000', token: 'tok-abc', password: 'Secret#1', documentNumber: '320102199001011234', name: '张三', ok: true };
  logger.info(line, 'request');
  flatLineWriter(logger)(line, 'request');
  const [viaLogger, viaWriter] = written();
  t.equal(viaWriter, viaLogger);
  for (const secret of ['13800000000', 'tok-abc', 'Secret#1', '320102199001011234', '张三']) t.notOk(viaWriter?.includes(secret), `${secret} is censored`);
  t.end();
});

// Checked by the type check npm test runs first: a nested object does not compile as a flat line
// (only the logger's wildcard paths, which the writer leaves out, would have censored inside it).
// @ts-expect-error nested values are not flat
export const nestedIsRefused: FlatLine = { nested: { phone: '13800000000' } };
