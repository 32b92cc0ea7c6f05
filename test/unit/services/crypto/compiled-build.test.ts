// Proves the password worker loads from compiled JavaScript run by plain node (no tsx): compiles
// src/services/crypto with the project's tsconfig into a temporary folder and runs a script there.

import t from 'tap';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../../', import.meta.url));

t.test('compiled crypto services hash, verify and encrypt under plain node', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'jsrs-crypto-build-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  // Out-of-tree build: node_modules is linked so bcryptjs resolves as it would from dist/.
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir');
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      extends: join(root, 'tsconfig.json'),
      compilerOptions: { rootDir: root, outDir: join(dir, 'out'), sourceMap: false },
      include: [],
      files: [join(root, 'src/services/crypto/index.ts')],
    }),
  );
  const tsc = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(dir, 'tsconfig.json')], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  t.equal(tsc.status, 0, `tsc succeeded ${tsc.stdout}${tsc.stderr}`);

  writeFileSync(
    join(dir, 'check.mjs'),
    `
import { randomBytes } from 'node:crypto';
import * as c from './out/src/services/crypto/index.js';
const hasher = c.createPasswordHasher({ cost: 4, poolSize: 2 });
const hash = await hasher.hash('密码-Secret1');
const results = await Promise.all([hasher.verify('密码-Secret1', hash), hasher.verify('wrong', hash), hasher.verifyAgainstDummy('x')]);
await hasher.close();
// A second hasher is left open on purpose: idle workers must not keep the process alive.
const unclosed = c.createPasswordHasher({ cost: 4, poolSize: 1 });
const ok2 = await unclosed.verify('a', await unclosed.hash('a'));
const keyring = c.createKeyring({ current: { id: 'k1', key: randomBytes(32).toString('base64') } });
const sm4 = c.createPiiCipher({ keyring, algorithm: 'SM4CTR-HSM3' });
const gcm = c.createPiiCipher({ keyring, algorithm: 'A256GCM' });
const pii = [sm4.decrypt(sm4.encrypt('张三', 'accounts.name'), 'accounts.name'), gcm.decrypt(gcm.encrypt('张三', 'a'), 'a')];
console.log(JSON.stringify({ hashPrefix: hash.slice(0, 7), results, ok2, pii }));
`,
  );
  const run = spawnSync(process.execPath, [join(dir, 'check.mjs')], {
    cwd: dir,
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  t.equal(run.signal, null, 'exited by itself (no hang from idle workers)');
  t.equal(run.status, 0, run.stderr);
  t.same(JSON.parse(run.stdout.trim() || '{}'), {
    hashPrefix: '$2b$04$',
    results: [true, false, false],
    ok2: true,
    pii: ['张三', '张三'],
  });
});
