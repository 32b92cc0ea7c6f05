// `cli clients add|list|remove`: manage relying parties in the database (every node sees them
// within the client cache time).

import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { createClientStore, generateClientSecret, type ClientMetadata } from '../oidc/client-store.js';
import { createAudit } from '../services/audit.js';
import type { CliContext } from './context.js';

export const clientsUsage = `clients add --name NAME --redirect-uri URL [--redirect-uri URL ...] [--post-logout-redirect-uri URL ...]
            [--public] [--first-party] [--catalogue] [--description TEXT] [--required-level registered|real_name|real_person]
            [--grant authorization_code|refresh_token|client_credentials ...] [--backchannel-logout-uri URL]
  clients list
  clients remove CLIENT_ID`;

export async function clientsCommand(ctx: CliContext, args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  const store = createClientStore({ db: ctx.database.db, box: ctx.secrets.cipher, cacheSeconds: 0 });
  const audit = createAudit({ db: ctx.database.db, clock: ctx.clock, logger: ctx.logger });
  if (sub === 'list') {
    for (const c of await store.list()) {
      const uris = (c.metadata.redirect_uris as string[] | undefined)?.join(' ') ?? '';
      ctx.out(`${c.clientId}\t${c.source}\t${String(c.metadata.client_name ?? '')}\t${uris}`);
    }
    return 0;
  }
  if (sub === 'remove') {
    const id = rest[0];
    if (!id) throw new Error('usage: clients remove CLIENT_ID');
    const removed = await store.remove(id);
    ctx.out(removed ? `removed ${id}` : `no client ${id}`);
    if (removed) await audit.record({ event: 'client.removed', outcome: 'success', actor: 'cli', details: { clientId: id } });
    return removed ? 0 : 1;
  }
  if (sub !== 'add') throw new Error(`usage:\n  ${clientsUsage}`);
  const { values } = parseArgs({
    args: rest,
    options: {
      name: { type: 'string' },
      'redirect-uri': { type: 'string', multiple: true },
      'post-logout-redirect-uri': { type: 'string', multiple: true },
      public: { type: 'boolean' },
      'first-party': { type: 'boolean' },
      catalogue: { type: 'boolean' },
      description: { type: 'string' },
      'required-level': { type: 'string' },
      grant: { type: 'string', multiple: true },
      'backchannel-logout-uri': { type: 'string' },
    },
  });
  if (!values.name) throw new Error('clients add needs --name');
  const grants = values.grant ?? ['authorization_code', 'refresh_token'];
  const redirectUris = values['redirect-uri'] ?? [];
  if (grants.includes('authorization_code') && redirectUris.length === 0) throw new Error('clients add needs at least one --redirect-uri for authorization_code');
  for (const uri of [...redirectUris, ...(values['post-logout-redirect-uri'] ?? [])]) new URL(uri);
  const clientId = `rp-${randomBytes(8).toString('hex')}`;
  const secret = values.public ? undefined : generateClientSecret();
  const metadata: ClientMetadata = {
    client_id: clientId,
    client_name: values.name,
    redirect_uris: redirectUris,
    post_logout_redirect_uris: values['post-logout-redirect-uri'] ?? [],
    grant_types: grants,
    response_types: grants.includes('authorization_code') ? ['code'] : [],
    token_endpoint_auth_method: values.public ? 'none' : 'client_secret_basic',
    ...(values['first-party'] ? { first_party: true } : {}),
    ...(values.catalogue ? { public_service: true } : {}),
    ...(values.description ? { service_description: values.description } : {}),
    ...(values['required-level'] ? { required_level: values['required-level'] } : {}),
    ...(values['backchannel-logout-uri'] ? { backchannel_logout_uri: values['backchannel-logout-uri'] } : {}),
    ...(secret ? { client_secret: secret } : {}),
  };
  await store.save(metadata, 'cli');
  await audit.record({ event: 'client.added', outcome: 'success', actor: 'cli', details: { clientId, name: values.name } });
  ctx.out(`client_id=${clientId}`);
  if (secret) ctx.out(`client_secret=${secret}`);
  return 0;
}
