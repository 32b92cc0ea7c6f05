// `npm run mocks`: the four mock upstreams as separate HTTP servers (ports 4101–4104, or from
// `--port-base N`), with fresh development keys. Prints, and writes to <DATA_DIR>/mocks.env, the
// settings that point the provider at them: `set -a; . ./data/mocks.env; set +a; npm run dev`.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadConfig } from '../config/load.js';
import { resolveUpstreamSettings } from '../adapters/upstreams/from-config.js';
import { createUpstreamMock, mockNames, type MockName } from './upstream-mocks.js';
import { serveOnLoopback } from './shared/serve.js';

/** PEM → Alipay's bare base64 form (one line, fits an env file). */
const bare = (pem: string | undefined) => (pem ?? '').replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, '');

async function main(): Promise<void> {
  const config = loadConfig();
  if (config.env === 'production') throw new Error('the mock upstreams are refused in production');
  const at = process.argv.indexOf('--port-base');
  const portBase = at > 0 ? Number(process.argv[at + 1]) : 4101;
  const ports = Object.fromEntries(mockNames.map((name, i) => [name, portBase + i])) as Record<MockName, number>;
  const baseUrlOf = (name: MockName) => `http://127.0.0.1:${ports[name]}`;
  const settings = resolveUpstreamSettings(config);
  for (const name of mockNames) {
    await serveOnLoopback(createUpstreamMock(name, { settings, baseUrlOf, issuer: config.issuer }), ports[name]);
  }
  const env = [
    `ESSC_BASE_URL=${baseUrlOf('essc')}`,
    `ESSC_CHANNEL_NO=${settings.essc.channelNo}`,
    `ESSC_CHANNEL_SECRET=${settings.essc.secret ?? ''}`,
    `ESSC_CHANNEL_KEY=${settings.essc.key ?? ''}`,
    `JSZW_BASE_URL=${baseUrlOf('jszw')}`,
    `JSZW_CLIENT_ID=${settings.jszw.clientId}`,
    `JSZW_CLIENT_SECRET=${settings.jszw.clientSecret ?? ''}`,
    `ALIPAY_AUTHORIZE_URL=${baseUrlOf('alipay')}/oauth2/publicAppAuthorize.htm`,
    `ALIPAY_GATEWAY_URL=${baseUrlOf('alipay')}/gateway.do`,
    `ALIPAY_APP_ID=${settings.alipay.appId}`,
    `ALIPAY_PRIVATE_KEY=${bare(settings.alipay.privateKey)}`,
    `ALIPAY_PUBLIC_KEY=${bare(settings.alipay.publicKey)}`,
    `FACE_GATEWAY_URL=${baseUrlOf('face')}/gateway.do`,
    `FACE_APP_ID=${settings.face.appId}`,
    `FACE_PRIVATE_KEY=${bare(settings.face.privateKey)}`,
    `FACE_PUBLIC_KEY=${bare(settings.face.publicKey)}`,
  ];
  const dir = resolve(config.dataDir.startsWith('memory://') ? './data' : config.dataDir);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'mocks.env');
  writeFileSync(file, `${env.join('\n')}\n`, { mode: 0o600 });
  for (const name of mockNames) process.stdout.write(`mock ${name.padEnd(6)} ${baseUrlOf(name)}\n`);
  process.stdout.write(`provider settings written to ${file}; start the provider with: set -a; . ${file}; set +a; npm run dev\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`mocks failed to start: ${(err as Error).message}\n`);
  process.exit(1);
});
