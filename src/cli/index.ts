// src/cli/: the `npm run cli` commands; builds its own context like the container does and may import any layer except routes/ and http/.
// The command line: `npm run cli -- <command>` (and `npm run migrate`). Exit code 0 on success,
// 1 with one clear line on stderr otherwise.

import { ConfigError } from '../config/load.js';
import { clientsCommand, clientsUsage } from './clients.js';
import { withCliContext } from './context.js';
import { keysCommand, keysUsage } from './keys.js';
import { auditCommand, auditUsage } from './audit.js';
import { piiCommand, piiUsage } from './pii.js';
import { importCommand, importUsage } from './import.js';
import { accountsCommand, accountsUsage } from './accounts.js';
import { staffCommand, staffUsage } from './staff.js';
import { AppError } from '../errors/app-error.js';
import { t } from '../i18n/index.js';
import { casesCommand, casesUsage } from './cases.js';

const usage = `usage: npm run cli -- <command>
  migrate
  ${clientsUsage}
  ${keysUsage}
  ${accountsUsage}
  ${staffUsage}
  ${auditUsage}
  ${piiUsage}
  ${importUsage}
  ${casesUsage}`;

async function run(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  switch (command) {
    case 'migrate':
      return withCliContext(async (ctx) => {
        ctx.out('migrations applied');
        return 0;
      });
    case 'clients':
      return withCliContext((ctx) => clientsCommand(ctx, args));
    case 'keys':
      return withCliContext((ctx) => keysCommand(ctx, args));
    case 'staff':
      return withCliContext((ctx) => staffCommand(ctx, args));
    case 'accounts':
      return withCliContext((ctx) => accountsCommand(ctx, args));
    case 'audit':
      return withCliContext((ctx) => auditCommand(ctx, args));
    case 'pii':
      return withCliContext((ctx) => piiCommand(ctx, args));
    case 'import':
      return withCliContext((ctx) => importCommand(ctx, args));
    case 'cases':
      return withCliContext((ctx) => casesCommand(ctx, args));
    default:
      process.stderr.write(`${usage}\n`);
      return command === undefined || command === 'help' || command === '--help' ? 0 : 1;
  }
}

run(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof ConfigError) for (const p of err.problems) process.stderr.write(`configuration error: ${p}\n`);
    else if (err instanceof AppError) process.stderr.write(`error: ${t('en', err.code, err.params)}\n`);
    else process.stderr.write(`error: ${(err as Error).message}\n`);
    process.exit(1);
  },
);
