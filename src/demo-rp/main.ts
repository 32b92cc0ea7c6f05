// src/demo-rp/: the demo relying party (`npm run demo`), a separate program that talks to the provider over HTTP only; imports nothing else of src/.
// `npm run demo`: the demo 人社 service on DEMO_RP_PORT (default 3001), a relying party of the
// provider at DEMO_RP_ISSUER (default http://localhost:3000). Development only: an example to copy.

import http from 'node:http';
import { createDemoRp } from './app.js';

// The demo is a separate program (an integrator's app): it reads its own environment.
const env = process.env;
const port = Number(env.DEMO_RP_PORT ?? 3001);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`demo-rp: DEMO_RP_PORT must be a port number, not "${env.DEMO_RP_PORT}"`);
  process.exit(1);
}
const issuer = env.DEMO_RP_ISSUER ?? 'http://localhost:3000';
const baseUrl = env.DEMO_RP_BASE_URL ?? `http://localhost:${port}`;
const app = createDemoRp({
  issuer,
  clientId: env.DEMO_RP_CLIENT_ID ?? 'demo-rp',
  clientSecret: env.DEMO_RP_CLIENT_SECRET ?? 'demo-rp-secret-change-me',
  baseUrl,
  ...(env.DEMO_RP_COOKIE_KEY ? { cookieKeys: [env.DEMO_RP_COOKIE_KEY] } : {}),
});

const server = http.createServer(app.callback());
server.listen(port, () => {
  console.log(`demo-rp: 人社业务示例 at ${baseUrl} (provider ${issuer})`);
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => server.close(() => process.exit(0)));
}
