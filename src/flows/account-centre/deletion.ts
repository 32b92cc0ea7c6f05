// 注销账号 as a step: the service deletes the account after the confirmation and the re-authentication
// block's proof; then the relying parties of its sessions get back-channel logout tokens.

import type Provider from 'oidc-provider';
import type { Logger } from '../../log/logger.js';
import { sendBackchannelLogouts } from '../../oidc/backchannel-logout.js';
import type { ReauthProof } from '../../services/reauthentication.js';
import type { Services } from '../../services/index.js';
import { reauthRefusalOf, type ChangeContext, type ReauthRefused } from './outcomes.js';

/**
 * Deletes the account once `confirmed` and the proof holds, then tells its relying parties. A
 * refusal says whether the box was ticked and the code is still offered; anything else is thrown.
 */
export async function deleteAccount(
  steps: { services: Services; provider: Provider; log: Logger },
  accountId: string,
  input: { confirmed: boolean; reauth: ReauthProof },
  change: ChangeContext,
): Promise<{ kind: 'deleted' } | (ReauthRefused & { confirmed: boolean })> {
  let result;
  try {
    result = await steps.services.accountDeletion.deleteAccount(accountId, input, change);
  } catch (err) {
    const refusal = reauthRefusalOf(input.reauth, err);
    if (!refusal) throw err;
    return { ...refusal, confirmed: input.confirmed };
  }
  await sendBackchannelLogouts(steps.provider, result.logoutTargets, steps.log);
  return { kind: 'deleted' };
}
