// Back-channel logout outside oidc-provider's end_session (a deleted account's sessions): each client
// with a backchannel_logout_uri gets a signed logout token per session through Client#backchannelLogout.
// A relying party's failure is logged (client id and error only) and counted; it never stops the caller.

import type Provider from 'oidc-provider';
import type { Logger } from '../log/logger.js';
import type { LogoutTarget } from '../services/account-deletion.js';

/** Client#backchannelLogout exists in oidc-provider 9 (end_session calls it) but not in its typings. */
interface LoggingOutClient {
  backchannelLogoutUri?: string | undefined;
  backchannelLogout(sub: string, sid: string): Promise<void>;
}

/** Sends the logout tokens in parallel; resolves (never rejects) with how many were delivered and how many failed. */
export async function sendBackchannelLogouts(provider: Provider, targets: readonly LogoutTarget[], log: Logger): Promise<{ sent: number; failed: number }> {
  const emitter = provider as unknown as NodeJS.EventEmitter;
  const clients = new Map<string, Promise<LoggingOutClient | undefined>>();
  const clientOf = (clientId: string) => {
    let found = clients.get(clientId);
    if (!found) {
      found = provider.Client.find(clientId).then((c) => c as unknown as LoggingOutClient | undefined, () => undefined);
      clients.set(clientId, found);
    }
    return found;
  };
  let sent = 0;
  let failed = 0;
  await Promise.all(
    targets.map(async ({ clientId, sub, sid }) => {
      const client = await clientOf(clientId);
      if (!client?.backchannelLogoutUri) return;
      try {
        await client.backchannelLogout(sub, sid);
        sent += 1;
        // the same events end_session emits (metrics count them); no request context here
        emitter.emit('backchannel.success', undefined, client, sub, sid);
      } catch (err) {
        failed += 1;
        emitter.emit('backchannel.error', undefined, err, client, sub, sid);
        log.warn({ clientId, error: err instanceof Error ? err.message : String(err) }, 'back-channel logout failed');
      }
    }),
  );
  return { sent, failed };
}
