// The composition root's ports: production never builds a mock (the development fallback is not even
// asked), development fills the unconfigured ports from it, and no service module imports a mock.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { loadConfig } from '../../../src/config/load.js';
import { systemClock } from '../../../src/domain/clock.js';
import { createLogger } from '../../../src/log/logger.js';
import { developmentPorts } from '../../../src/mocks/dev-ports.js';
import { createPorts, type FallbackPorts } from '../../../src/ports.js';
import { minimalProductionEnv as production } from '../../helpers/config-env.js';

const logger = createLogger('silent');
const refusing: FallbackPorts = {
  registry: () => { throw new Error('mock registry built'); },
  rights: () => { throw new Error('mock rights built'); },
  sms: () => { throw new Error('mock SMS built'); },
};

t.test('production: the fallback is never asked, even when one is passed', async (t) => {
  const config = loadConfig({ env: production });
  const ports = createPorts({ config, clock: systemClock, logger, fallback: refusing });
  t.equal(ports.devSms, undefined, 'no development outbox');
  await t.rejects(ports.rights.recordFor('01', '110101199003074398'), { code: 'rights.unavailable' }, 'rights answer 暂时无法查询 until RIGHTS_URL is set');
});

t.test('development: unconfigured ports are the development mocks', async (t) => {
  const config = loadConfig({ env: { NODE_ENV: 'development', ISSUER: 'http://localhost:3999', DATA_DIR: 'memory://' } });
  const ports = createPorts({ config, clock: systemClock, logger, fallback: developmentPorts(systemClock) });
  t.ok(ports.devSms, 'the development outbox');
  await ports.sms.send('+8613800000000', 'login', { code: '123456', minutes: 5 });
  t.equal(ports.devSms?.outbox('+8613800000000').length, 1, 'the instrumented gateway writes to the outbox');
  t.equal(await ports.registry.verify('01', '110101199003074398', '不在库中'), 'mismatch');
  t.throws(() => createPorts({ config, clock: systemClock, logger, fallback: undefined }), /refused in production/, 'without the development wiring there is no mock');
});

t.test('no module under src/services imports a mock or chooses an adapter from configuration', async (t) => {
  const root = new URL('../../../src/services/', import.meta.url).pathname;
  const files = readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
  t.ok(files.length > 10);
  for (const file of files) {
    const text = readFileSync(join(root, file), 'utf8');
    t.notMatch(text, /from '(\.\.\/)+mocks\//, `${file} imports no mock`);
    t.notMatch(text, /config\.adapters|\.driver\b/, `${file} does not pick adapters`);
  }
});
