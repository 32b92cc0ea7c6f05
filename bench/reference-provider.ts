// Bench process: the reference for "what the stack can do" — a bare oidc-provider (same major
// version, its built-in in-memory adapter, no database, no Koa app of ours around it) with the same
// clients, scopes/claims, key types, TTLs and features that matter to the measured endpoints.
// A user grant, access token and refresh token are minted in memory at start (no login UI here) so
// userinfo, introspection and refresh can be measured. Prints `READY {url, accessToken, refreshToken}`.
// Config (JSON) in argv[2]: { issuer, clients, cookieKey, databaseUrl? }. With databaseUrl the
// provider stores its models in PostgreSQL through a textbook adapter (one query per adapter call,
// no caching; accounts stay in memory): what oidc-provider on PostgreSQL does with nothing of ours.

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, calculateJwkThumbprint } from 'jose';
import Provider, { type AdapterFactory, type ClientMetadata } from 'oidc-provider';
import { textbookPostgresAdapter } from './lib/textbook-adapter.js';
import { providerClaimsConfig, supportedAcrValues, supportedScopes } from '../src/oidc/claims.js';
import { clientMetadataProperties } from '../src/oidc/client-metadata.js';

const options = JSON.parse(process.argv[2] ?? '{}') as { issuer: string; clients: ClientMetadata[]; cookieKey: string; databaseUrl?: string };
const adapter: AdapterFactory | undefined = options.databaseUrl ? await textbookPostgresAdapter(options.databaseUrl) : undefined;

async function key(alg: 'RS256' | 'ES256') {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true, ...(alg === 'RS256' ? { modulusLength: 2048 } : {}) });
  const kid = await calculateJwkThumbprint(await exportJWK(publicKey));
  return { ...(await exportJWK(privateKey)), kid, alg, use: 'sig' };
}

const accountId = '00000000-0000-4000-8000-000000000001';
const provider = new Provider(options.issuer, {
  ...(adapter ? { adapter } : {}),
  clients: options.clients,
  jwks: { keys: [await key('RS256'), await key('ES256')] } as never,
  cookies: { keys: [options.cookieKey] },
  claims: providerClaimsConfig(),
  scopes: [...supportedScopes],
  acrValues: [...supportedAcrValues],
  conformIdTokenClaims: false,
  responseTypes: ['code'],
  subjectTypes: ['public'],
  pkce: { required: () => true },
  extraClientMetadata: { properties: [...clientMetadataProperties] },
  findAccount: async (_ctx, sub) => ({
    accountId: sub,
    claims: async () => ({ sub, identity_level: 'registered', name: '王测试', phone_number: '+8613900000001', phone_number_verified: true }),
  }),
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    introspection: { enabled: true },
    revocation: { enabled: true },
    userinfo: { enabled: true },
    claimsParameter: { enabled: true },
    pushedAuthorizationRequests: { enabled: true },
  },
  ttl: { AccessToken: 3600, AuthorizationCode: 60, IdToken: 3600, Interaction: 1800, Session: 86400, Grant: 1209600, RefreshToken: 1209600, ClientCredentials: 600 },
  issueRefreshToken: async () => true,
});
provider.proxy = true;

// A user's grant and tokens, as a completed sign-in would leave them.
const rp = options.clients.find((c) => (c.grant_types ?? []).includes('authorization_code'));
if (!rp) throw new Error('reference: no code-flow client');
const client = await provider.Client.find(rp.client_id);
if (!client) throw new Error('reference: client not loaded');
const grant = new provider.Grant({ accountId, clientId: rp.client_id });
grant.addOIDCScope('openid profile phone');
const grantId = await grant.save();
const now = Math.floor(Date.now() / 1000);
const accessToken = await new provider.AccessToken({ accountId, client, grantId, scope: 'openid profile phone', gty: 'authorization_code' }).save();
const refreshToken = await new provider.RefreshToken({
  accountId, client, grantId, scope: 'openid profile phone', gty: 'authorization_code', authTime: now, iiat: now, rotations: 0,
}).save();

const server = http.createServer(provider.callback());
server.keepAliveTimeout = 5000;
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`READY ${JSON.stringify({ url: `http://127.0.0.1:${port}`, accessToken, refreshToken })}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
process.on('disconnect', () => process.exit(0));
