// postinstall: oidc-provider builds `new InvalidToken(...)` for ctx.assert on every resource request
// (userinfo: three stack traces per successful request); this makes those errors lazy. Idempotent;
// an oidc-provider whose file changed is left alone with a warning (test/unit/oidc/lazy-provider-errors).

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const file = fileURLToPath(new URL('../node_modules/oidc-provider/lib/shared/access_token.js', import.meta.url));
const eager = /ctx\.assert\((\w+), new InvalidToken\(('[^']*')\)\);/g;

if (!existsSync(file)) {
  process.stdout.write('patch-oidc-provider: oidc-provider is not installed, nothing to do\n');
} else {
  const before = readFileSync(file, 'utf8');
  const after = before.replace(eager, 'if (!$1) throw new InvalidToken($2);');
  if (after !== before) {
    writeFileSync(file, after);
    process.stdout.write(`patch-oidc-provider: ${before.match(eager)?.length ?? 0} eager errors made lazy in ${file}\n`);
  } else if (!after.includes("if (!accessToken) throw new InvalidToken('access token not found');")) {
    process.stderr.write('patch-oidc-provider: WARNING oidc-provider changed; access_token.js not patched (check whether it still builds errors eagerly)\n');
  }
}
