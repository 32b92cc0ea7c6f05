// oidc-provider events → metrics and logs (never token values or payloads).

import type Provider from 'oidc-provider';
import type { Logger } from '../log/logger.js';
import type { Metrics } from '../http/metrics.js';
import type { Audit } from '../services/audit.js';

const countedEvents = [
  'authorization.success', 'authorization.error', 'grant.success', 'grant.error', 'grant.revoked',
  'end_session.success', 'end_session.error', 'backchannel.success', 'backchannel.error',
  'introspection.error', 'revocation.error', 'userinfo.error', 'registration_create.success',
  'registration_create.error', 'registration_delete.success', 'pushed_authorization_request.error',
  'interaction.started', 'interaction.ended', 'access_token.issued', 'refresh_token.consumed',
  'authorization_code.consumed', 'session.destroyed',
] as const;

export function attachProviderEvents(provider: Provider, deps: { logger: Logger; metrics: Metrics; audit?: Audit }): void {
  // The typings list events per overload; as an EventEmitter the provider takes any name.
  const emitter = provider as unknown as NodeJS.EventEmitter;
  for (const event of countedEvents) {
    emitter.on(event, () => deps.metrics.countEvent(event));
  }
  for (const event of ['grant.error', 'introspection.error', 'revocation.error', 'userinfo.error', 'authorization.error'] as const) {
    emitter.on(event, (_ctx: unknown, err: { error?: string; error_description?: string }) => {
      deps.logger.info({ event, error: err.error, description: err.error_description }, 'oidc request refused');
    });
  }
  // client changes through dynamic registration are audited like the CLI's
  for (const [event, name] of [['registration_create.success', 'client.registered'], ['registration_update.success', 'client.updated'], ['registration_delete.success', 'client.deleted']] as const) {
    emitter.on(event, (ctx: { oidc?: { client?: { clientId?: string } }; ip?: string }, client?: { clientId?: string }) => {
      void deps.audit?.record({ event: name, outcome: 'success', actor: 'registration', clientId: client?.clientId ?? ctx.oidc?.client?.clientId ?? null, ip: ctx.ip ?? null });
    });
  }
  emitter.on('server_error', (_ctx: unknown, err: Error) => {
    deps.metrics.countEvent('server_error');
    deps.logger.error({ err }, 'oidc-provider server error');
  });
}
