// 我的信息 and 修改密码 as steps: the full document number after the re-authentication block's password
// or code (each attempt audited with its method), and a new password after the current one.

import { ValidationError } from '../../errors/app-error.js';
import type { Services } from '../../services/index.js';
import type { ReauthProof } from '../../services/reauthentication.js';
import { attempt, done, reauthRefusalOf, refused, type ChangeContext, type Done, type ReauthRefused, type Refused } from './outcomes.js';

/** The account as these steps need it. */
export interface ProfileHolder {
  accountId: string;
  documentNumber: string | undefined;
}

/**
 * The full document number after the re-authentication block's proof: the password (under the
 * account's sign-in lockout) or the reveal code (single use); each attempt audited with its method.
 * A refusal says which way was used and whether the code sent is still offered.
 */
export async function revealDocument(
  services: Services,
  holder: ProfileHolder,
  proof: ReauthProof,
  change: ChangeContext,
): Promise<{ kind: 'revealed'; documentNumber: string } | ReauthRefused> {
  if (!holder.documentNumber) return { ...refused('account.info.nothing_to_reveal', 400), method: proof.method, codeSent: false };
  const audit = (outcome: 'success' | 'failure', details: Record<string, string>) =>
    services.audit.record({ event: 'account.document_revealed', outcome, subject: holder.accountId, ...change, details: { method: proof.method, ...details } });
  try {
    await services.reauth.verify(holder.accountId, proof);
  } catch (err) {
    const refusal = reauthRefusalOf(proof, err);
    if (!refusal) throw err;
    await audit('failure', { reason: proof.method === 'pwd' ? 'password' : 'sms_code' });
    return refusal;
  }
  await audit('success', {});
  return { kind: 'revealed', documentNumber: holder.documentNumber };
}

/** 修改密码: the current password (under the sign-in lockout), the confirmation, then the policy as setPassword checks it. */
export async function changePassword(services: Services, accountId: string, input: { current: string; next: string; confirm: string }, change: ChangeContext): Promise<Done | Refused> {
  const changed = await attempt(async () => {
    await services.reauth.verify(accountId, { method: 'pwd', password: input.current });
    if (input.next !== input.confirm) throw new ValidationError('register.password_mismatch', 'confirmPassword');
    await services.accounts.setPassword(accountId, input.next, change);
  });
  return changed.kind === 'ok' ? done : changed;
}
