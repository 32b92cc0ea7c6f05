// The README's configuration table documents every environment variable the loader reads, and
// names the scripts it tells people to run.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { envMap } from '../../../src/config/env-map.js';
import { projectRoot } from '../../../src/paths.js';

const readme = readFileSync(join(projectRoot, 'README.md'), 'utf8');
const scripts = (JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;

t.test('every environment variable is in the README', async (t) => {
  for (const name of Object.keys(envMap)) t.ok(readme.includes(`\`${name}\``), `${name} is documented`);
});

t.test('every npm script the README names exists', async (t) => {
  const named = new Set([...readme.matchAll(/npm run ([a-z:-]+)/g)].map((m) => m[1] as string));
  t.ok(named.size >= 5, 'the README names its scripts');
  for (const name of named) t.ok(scripts[name], `npm run ${name} exists`);
  t.ok(scripts.start && scripts.test, 'npm start and npm test exist');
});
