// Clients declared in a file (config/clients.json or CLIENTS_FILE) are upserted at start; in
// development the demo relying party `demo-rp` is registered as well.

import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import type { Config } from '../config/schema.js';
import type { Logger } from '../log/logger.js';
import { configDir, projectRoot } from '../paths.js';
import type { ClientMetadata, ClientStore } from './client-store.js';
import { supportedScopes } from './claims.js';
import { casesWriteScope } from './operator-metadata.js';

function clientsFilePath(config: Readonly<Config>): string {
  if (!config.clientsFile) return join(configDir, 'clients.json');
  return isAbsolute(config.clientsFile) ? config.clientsFile : join(projectRoot, config.clientsFile);
}

/** Reads and checks the clients file; throws with the file name and entry on a malformed one. */
export function readClientsFile(file: string): ClientMetadata[] {
  if (!existsSync(file)) return [];
  const value: unknown = JSON.parse(readFileSync(file, 'utf8'));
  if (!Array.isArray(value)) throw new Error(`${file}: must hold a JSON array of client metadata objects`);
  return value.map((entry: unknown, i) => {
    if (!entry || typeof entry !== 'object' || typeof (entry as { client_id?: unknown }).client_id !== 'string') {
      throw new Error(`${file}: entry ${i} needs a string client_id`);
    }
    return entry as ClientMetadata;
  });
}

export function demoClientMetadata(config: Readonly<Config>): ClientMetadata {
  const demo = config.devClient;
  // The demo reports 办件 (cases:write) and receives 好差评 at its webhook, on its first redirect
  // URI's origin; `localhost` as the loopback address, which the outbound guard judges by address.
  const origin = demo.redirectUris[0] ? URL.parse(demo.redirectUris[0]) : null;
  if (origin?.hostname === 'localhost') origin.hostname = '127.0.0.1';
  return {
    client_id: demo.clientId,
    client_secret: demo.clientSecret,
    client_name: '人社业务示例 (demo)',
    redirect_uris: [...demo.redirectUris],
    post_logout_redirect_uris: [...demo.postLogoutRedirectUris],
    grant_types: ['authorization_code', 'refresh_token', 'client_credentials'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
    first_party: true,
    public_service: true,
    required_level: 'registered',
    service_description: '政策查询、社保缴费记录查询、养老待遇资格认证的示例服务',
    scope: [...supportedScopes, casesWriteScope].join(' '),
    ...(origin ? { cases_webhook_uri: `${origin.origin}/webhooks/case-rating` } : {}),
  };
}

/** The user centre (/account) signs in through this provider as a first-party public client (PKCE, no secret). */
export const accountCentreClientId = 'account-centre';

export function accountCentreClientMetadata(config: Readonly<Config>): ClientMetadata {
  const issuer = config.issuer.replace(/\/$/, '');
  return {
    client_id: accountCentreClientId,
    client_name: '个人用户中心',
    redirect_uris: [`${issuer}/account/callback`],
    post_logout_redirect_uris: [`${issuer}/account`],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'none',
    first_party: true,
  };
}

/** The 江苏智慧人社 app: a native public client (PKCE, no secret); in development also /dev/app's callback. */
export function appClientMetadata(config: Readonly<Config>): ClientMetadata {
  const devCallback = `${config.issuer.replace(/\/+$/, '')}/dev/app/callback`;
  const { protocol, hostname } = new URL(devCallback);
  const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(hostname);
  // oidc-provider accepts http redirects of native clients only on loopback hosts, https only elsewhere.
  const devOk = config.env !== 'production' && ((protocol === 'http:' && loopback) || (protocol === 'https:' && !loopback));
  return {
    client_id: config.appClient.clientId,
    client_name: '江苏智慧人社 App',
    application_type: 'native',
    redirect_uris: [...config.appClient.redirectUris, ...(devOk ? [devCallback] : [])],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'none',
    first_party: true,
  };
}

export async function syncConfiguredClients(config: Readonly<Config>, store: ClientStore, logger: Logger): Promise<void> {
  const file = clientsFilePath(config);
  for (const client of readClientsFile(file)) {
    await store.save(client, 'file');
    logger.info({ clientId: client.client_id }, 'client from file upserted');
  }
  if (config.env !== 'production') {
    await store.save(demoClientMetadata(config), 'dev');
    await store.save(appClientMetadata(config), 'dev');
  }
  await store.save(accountCentreClientMetadata(config), 'file');
}
