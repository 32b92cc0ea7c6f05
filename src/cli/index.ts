// The command line: `npm run cli -- <command>` (and `npm run migrate`). Exit code 0 on success,
// 1 with one clear line on stderr otherwise.

import { ConfigError } from '../config/load.js';
import { clientsCommand, clientsUsage } from './clients.js';
import { withCliContext } from './context.js';
import { keysCommand, keysUsage } from './keys.js';
import { auditCommand, auditUsage } from './audit.js';
import { piiCommand, piiUsage } from './pii.js';

const usage = `usage: npm run cli -- <command>
  migrate
  ${clientsUsage}
  ${keysUsage}
  ${auditUsage}
  ${piiUsage}`;

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
    case 'audit':
      return withCliContext((ctx) => auditCommand(ctx, args));
    case 'pii':
      return withCliContext((ctx) => piiCommand(ctx, args));
    default:
      process.stderr.write(`${usage}\n`);
      return command === undefined || command === 'help' || command === '--help' ? 0 : 1;
  }
}

run(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof ConfigError) for (const p of err.problems) process.stderr.write(`configuration error: ${p}\n`);
    else process.stderr.write(`error: ${(err as Error).message}\n`);
    process.exit(1);
  },
);
