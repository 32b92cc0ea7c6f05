// `cli clients add|update|rotate-secret|disable|enable|list|remove`: manage relying parties in the
// database (every node sees them within the client cache time), through the console's operations.

import { parseArgs } from 'node:util';
import type { ClientInput } from '../console/operations.js';
import { casesWriteScope } from '../oidc/operator-metadata.js';
import { createClientStore } from '../oidc/client-store.js';
import { createAudit } from '../services/audit.js';
import type { CliContext } from './context.js';

export const clientsUsage = `clients add --name NAME --redirect-uri URL [--redirect-uri URL ...] [--post-logout-redirect-uri URL ...]
            [--public] [--first-party] [--catalogue] [--description TEXT] [--required-level registered|real_name|real_person]
            [--grant authorization_code|refresh_token|client_credentials ...] [--scope SCOPE ...] [--backchannel-logout-uri URL]
            [--client-uri URL] [--introspects AUDIENCE ...] [--cases] [--cases-webhook-uri URL]
  clients update CLIENT_ID [the options of add; --first-party=false, --catalogue=false switch off] [--reason TEXT]
  clients rotate-secret CLIENT_ID [--reason TEXT]
  clients disable CLIENT_ID --reason TEXT
  clients enable CLIENT_ID --reason TEXT
  clients list
  clients remove CLIENT_ID`;

const clientOptions = {
  name: { type: 'string' },
  'redirect-uri': { type: 'string', multiple: true },
  'post-logout-redirect-uri': { type: 'string', multiple: true },
  public: { type: 'boolean' },
  'first-party': { type: 'string' },
  catalogue: { type: 'string' },
  description: { type: 'string' },
  'required-level': { type: 'string' },
  grant: { type: 'string', multiple: true },
  scope: { type: 'string', multiple: true },
  'backchannel-logout-uri': { type: 'string' },
  'client-uri': { type: 'string' },
  introspects: { type: 'string', multiple: true },
  // --cases grants the 办件 API (scope cases:write, used with the client credentials grant)
  cases: { type: 'boolean' },
  'cases-webhook-uri': { type: 'string' },
  reason: { type: 'string' },
} as const;

/** `--first-party` alone means true; `--first-party=false` switches it off. */
function flag(args: string[], name: string): boolean | undefined {
  for (const arg of args) {
    if (arg === `--${name}` || arg === `--${name}=true`) return true;
    if (arg === `--${name}=false`) return false;
  }
  return undefined;
}

function clientInput(args: string[]): { input: ClientInput; reason: string | undefined; positionals: string[] } {
  // Boolean switches are read by flag(); parseArgs sees them as bare strings-or-nothing.
  const rest = args.filter((a) => !/^--(first-party|catalogue)(=(true|false))?$/.test(a));
  const { values, positionals } = parseArgs({ args: rest, options: clientOptions, allowPositionals: true });
  const input: ClientInput = {
    name: values.name,
    redirectUris: values['redirect-uri'],
    postLogoutRedirectUris: values['post-logout-redirect-uri'],
    public: values.public,
    firstParty: flag(args, 'first-party'),
    catalogue: flag(args, 'catalogue'),
    description: values.description,
    requiredLevel: values['required-level'],
    grants: values.cases ? [...new Set([...(values.grant ?? ['authorization_code', 'refresh_token']), 'client_credentials'])] : values.grant,
    scopes: values.cases ? [...(values.scope ?? []), casesWriteScope] : values.scope,
    casesWebhookUri: values['cases-webhook-uri'],
    backchannelLogoutUri: values['backchannel-logout-uri'],
    clientUri: values['client-uri'],
    introspects: values.introspects,
  };
  return { input, reason: values.reason, positionals };
}

export async function clientsCommand(ctx: CliContext, args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === 'list') {
    const store = createClientStore({ db: ctx.database.db, box: ctx.secrets.cipher, cacheSeconds: 0 });
    for (const c of await store.list({ includeDisabled: true })) {
      const uris = (c.metadata.redirect_uris as string[] | undefined)?.join(' ') ?? '';
      ctx.out(`${c.clientId}\t${c.source}\t${String(c.metadata.client_name ?? '')}\t${uris}${c.disabledAt ? `\tdisabled since ${c.disabledAt.toISOString()}` : ''}`);
    }
    return 0;
  }
  if (sub === 'remove') {
    const id = rest[0];
    if (!id) throw new Error('usage: clients remove CLIENT_ID');
    const store = createClientStore({ db: ctx.database.db, box: ctx.secrets.cipher, cacheSeconds: 0 });
    const removed = await store.remove(id);
    ctx.out(removed ? `removed ${id}` : `no client ${id}`);
    if (removed) await createAudit({ db: ctx.database.db, clock: ctx.clock, logger: ctx.logger }).record({ event: 'client.removed', outcome: 'success', actor: 'cli', details: { clientId: id } });
    return removed ? 0 : 1;
  }
  if (sub === 'add') {
    const { input } = clientInput(rest);
    if (!input.name) throw new Error('clients add needs --name');
    const { clientId, secret } = await ctx.operations().createClient(input, { kind: 'cli' });
    ctx.out(`client_id=${clientId}`);
    if (secret) ctx.out(`client_secret=${secret}`);
    return 0;
  }
  if (sub === 'update') {
    const { input, reason, positionals } = clientInput(rest);
    const id = positionals[0];
    if (!id) throw new Error('usage: clients update CLIENT_ID [options]');
    if (input.public !== undefined) throw new Error('--public cannot change on update; create a new client');
    const updated = await ctx.operations().updateClient(id, input, { kind: 'cli' }, reason);
    ctx.out(JSON.stringify(updated));
    return 0;
  }
  if (sub === 'rotate-secret') {
    const { values, positionals } = parseArgs({ args: rest, options: { reason: { type: 'string' } }, allowPositionals: true });
    const id = positionals[0];
    if (!id) throw new Error('usage: clients rotate-secret CLIENT_ID');
    ctx.out(`client_secret=${await ctx.operations().rotateClientSecret(id, { kind: 'cli' }, values.reason)}`);
    return 0;
  }
  if (sub === 'disable' || sub === 'enable') {
    const { values, positionals } = parseArgs({ args: rest, options: { reason: { type: 'string' } }, allowPositionals: true });
    const id = positionals[0];
    if (!id || !values.reason?.trim()) throw new Error(`usage: clients ${sub} CLIENT_ID --reason TEXT (the reason goes to the audit trail)`);
    await ctx.operations().setClientDisabled(id, sub === 'disable', { kind: 'cli' }, values.reason);
    ctx.out(`${sub}d ${id}`);
    return 0;
  }
  throw new Error(`usage:\n  ${clientsUsage}`);
}
