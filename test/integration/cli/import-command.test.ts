// `cli import …` argument handling in process: bad input gets one clear error (no stack, nothing
// written), the descriptor is found beside the export, and `import legacy-hashes` prints the count.

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { defaultDescriptorPath, importCommand } from '../../../src/cli/import.js';
import type { CliContext } from '../../../src/cli/context.js';
import { createControllableClock } from '../../../src/domain/clock.js';
import { createLogger } from '../../../src/log/logger.js';
import { createBlindIndex, createKeyring, createPiiCipher } from '../../../src/services/crypto/index.js';
import { createTestDatabase } from '../../helpers/database.js';
import { descriptor, jsonl, legacyRow } from '../../helpers/legacy-export.js';

const testDb = await createTestDatabase();
t.teardown(() => testDb.drop());
const dir = await mkdtemp(join(tmpdir(), 'jsrs-import-cli-'));
t.teardown(() => rm(dir, { recursive: true, force: true }));
const keyring = createKeyring({ current: { id: 'k1', key: 'mkQ1o4x3tZ9vP0cR7sYwL2nH8bJ5dF6gA1eK3uV9iT0' } });
const out: string[] = [];
const ctx = {
  config: { security: { bcryptCost: 4 } },
  logger: createLogger('silent'),
  clock: createControllableClock(new Date('2026-12-02T02:00:00Z')),
  database: testDb.database,
  secrets: { keyring, cipher: createPiiCipher({ keyring, algorithm: 'A256GCM' }), blindIndex: createBlindIndex(keyring.current.keys.blindIndex) },
  out: (line: string) => out.push(line),
} as unknown as CliContext;
const accounts = async () => Number((await testDb.database.db.selectFrom('accounts').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n);

t.test('bad input is one clear error and writes nothing', async (t) => {
  const file = join(dir, 'accounts.jsonl');
  await writeFile(file, jsonl([legacyRow(1)]));
  await t.rejects(importCommand(ctx, ['accounts']), /usage:/, 'no file');
  await t.rejects(importCommand(ctx, ['accounts', file]), /descriptor .*accounts\.descriptor\.json cannot be read/, 'no descriptor beside it');
  await writeFile(join(dir, 'accounts.descriptor.json'), '{"platform": "old-jsrs", "password": {"algorithm": "md5"}}');
  await t.rejects(importCommand(ctx, ['accounts', file]), /password\.salt must be one of prefix, suffix/, 'the salt placement must be declared');
  await t.rejects(importCommand(ctx, ['accounts', join(dir, 'missing.jsonl'), '--descriptor', join(dir, 'accounts.descriptor.json')]), /descriptor|cannot be read/);
  await t.rejects(importCommand(ctx, ['accounts', file, '--dry-run', '--resume']), /do not go together/);
  await t.rejects(importCommand(ctx, ['accounts', file, '--batch', '0']), /--batch/);
  await t.rejects(importCommand(ctx, ['export']), /usage:/);
  t.equal(await accounts(), 0);
});

t.test('an import and the legacy-hash count', async (t) => {
  const file = join(dir, 'good.jsonl');
  await writeFile(file, jsonl([legacyRow(1), legacyRow(2)]));
  t.equal(defaultDescriptorPath(file), join(dir, 'good.descriptor.json'));
  await writeFile(defaultDescriptorPath(file), JSON.stringify(descriptor));
  out.length = 0;
  t.equal(await importCommand(ctx, ['accounts', file]), 0);
  t.match(JSON.parse(out[0] as string), { dry_run: false, lines: 2, imported: 2, refused: 0, refused_report: `${file}.refused.jsonl` });
  out.length = 0;
  t.equal(await importCommand(ctx, ['legacy-hashes']), 0);
  t.same(JSON.parse(out[0] as string), { legacy_hashes: 2, salted_digests: { sha256: 2 }, bcrypt_other_cost: 0 });
});
