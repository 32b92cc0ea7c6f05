// The bench's profile summary: self time by area, and native functions charged to their nearest
// caller outside node's internals (how `writev` is told apart: PostgreSQL queries or HTTP replies).

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { summariseProfile } from '../../../bench/profile-summary.js';

const frame = (functionName: string, url = '') => ({ functionName, url, lineNumber: 0 });

t.test('a native function is charged to the nearest caller outside node: internals', (t) => {
  const dir = mkdtempSync(join(os.tmpdir(), 'profile-summary-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  // root → pg query → node:net write → writev (3 samples); root → koa respond → node:_http_outgoing → writev (1);
  // root → (idle) (4 samples). Every sample 1 ms.
  const nodes = [
    { id: 1, callFrame: frame('(root)'), children: [2, 5, 8] },
    { id: 2, callFrame: frame('query', 'file:///app/node_modules/pg/lib/client.js'), children: [3] },
    { id: 3, callFrame: frame('writeGeneric', 'node:internal/stream_base_commons'), children: [4] },
    { id: 4, callFrame: frame('writev') },
    { id: 5, callFrame: frame('respond', 'file:///app/node_modules/koa/lib/application.js'), children: [6] },
    { id: 6, callFrame: frame('end', 'node:_http_outgoing'), children: [7] },
    { id: 7, callFrame: frame('writev') },
    { id: 8, callFrame: frame('(idle)') },
  ];
  const samples = [4, 4, 4, 7, 8, 8, 8, 8];
  const file = join(dir, 'p.cpuprofile');
  writeFileSync(file, JSON.stringify({ nodes, samples, timeDeltas: samples.map(() => 1000), startTime: 0, endTime: 8000 }));

  const summary = summariseProfile(file);
  t.equal(summary.busyFraction, 0.5, 'idle samples are not busy time');
  t.same(summary.areas.find((a) => a.area === 'native: writev'), { area: 'native: writev', selfMs: 4, share: 0.5 });
  t.same(summary.nativeCallers, [
    { native: 'writev', share: 0.5, callers: [{ area: 'pg', share: 0.375 }, { area: 'koa', share: 0.125 }] },
  ]);
  t.end();
});
