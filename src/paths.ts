// Absolute paths of the project's own folders, the same whether running from src/ (tsx) or dist/.

import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findProjectRoot(start: string): string {
  let dir = start;
  for (let i = 0; i < 8; i += 1) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'views'))) return dir;
    dir = dirname(dir);
  }
  throw new Error(`project root not found above ${start}`);
}

export const projectRoot = findProjectRoot(dirname(fileURLToPath(import.meta.url)));
export const viewsDir = join(projectRoot, 'views');
export const publicDir = join(projectRoot, 'public');
export const fixturesDir = join(projectRoot, 'fixtures');
export const configDir = join(projectRoot, 'config');
