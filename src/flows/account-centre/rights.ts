// 我的权益单 as steps: the record for 实名 and above (an unreachable core system is a state, not an
// error), the amounts after the re-authentication block (every attempt audited with its method and,
// on failure, why; never an amount), and the certificate (amounts only with this session's fresh grant).

import type { RightsRecord } from '../../adapters/rights-record/types.js';
import { levelRank } from '../../domain/levels.js';
import { AppError, RateLimitedError, UpstreamError } from '../../errors/app-error.js';
import type { AccountView } from '../../services/accounts.js';
import type { ReauthProof } from '../../services/reauthentication.js';
import type { GrantHolder } from '../../services/rights-certificates.js';
import type { Services } from '../../services/index.js';
import { done, reauthRefusalOf, refused, type ChangeContext, type Done, type ReauthRefused, type Refused } from './outcomes.js';

/** The record, or why there is none to show. */
export type LoadedRecord = { kind: 'needs_real_name' } | { kind: 'unavailable' } | { kind: 'loaded'; record: RightsRecord | undefined; name: string; documentNumber: string };

/** The record is for 实名 and above, with a document to ask the core system about. */
export const mayHaveRecord = (account: AccountView) => levelRank(account.level) >= levelRank('real_name') && Boolean(account.certType) && Boolean(account.documentNumber);

/** The account's record from the core system, or why there is none to show. */
export async function loadRecord(services: Services, account: AccountView): Promise<LoadedRecord> {
  if (!mayHaveRecord(account) || !account.certType || !account.documentNumber) return { kind: 'needs_real_name' };
  try {
    const record = await services.rights.recordFor(account.certType, account.documentNumber);
    return { kind: 'loaded', record, name: account.name ?? '', documentNumber: account.documentNumber };
  } catch (err) {
    if (!(err instanceof UpstreamError)) throw err;
    return { kind: 'unavailable' };
  }
}

/**
 * The amounts, after the block's proof: the password (counted under the account's sign-in lockout)
 * or the code just sent. An account without a record to show is refused before any proof (403).
 */
export async function proveForAmounts(services: Services, account: AccountView, proof: ReauthProof, change: ChangeContext): Promise<Done | { kind: 'needs_real_name' } | ReauthRefused> {
  if (!mayHaveRecord(account)) return { kind: 'needs_real_name' };
  const audit = (outcome: 'success' | 'failure', details: Record<string, string> = {}) =>
    services.audit.record({ event: 'account.rights_viewed', outcome, subject: account.id, ...change, details: { method: proof.method, ...details } });
  try {
    await services.reauth.verify(account.id, proof);
  } catch (err) {
    const refusal = reauthRefusalOf(proof, err);
    if (!refusal) throw err;
    await audit('failure', { reason: err instanceof AppError && err.code === 'signin.locked' ? 'locked' : proof.method === 'pwd' ? 'password' : 'sms_code' });
    return refusal;
  }
  await audit('success');
  return done;
}

/**
 * 下载权益单: the PDF (rate limited and audited by the service), with amounts only when `grant` is this
 * session's fresh one. Without a record: the status of the page that says why (403 below 实名, else 404).
 */
export async function issueCertificate(
  services: Services,
  loaded: LoadedRecord,
  input: { grant: string | undefined; holder: GrantHolder; ip: string; requestId: string },
): Promise<{ kind: 'pdf'; pdf: Buffer } | { kind: 'no_record'; status: number } | (Refused & { retryAfterSeconds?: number })> {
  if (loaded.kind !== 'loaded' || !loaded.record) return { kind: 'no_record', status: loaded.kind === 'needs_real_name' ? 403 : 404 };
  const amounts = input.grant !== undefined && input.grant !== '';
  if (amounts && !services.rightsCertificates.amountsGranted(input.grant, input.holder)) return refused('rights.cert.amounts_stale', 400);
  try {
    const { name, documentNumber, record } = loaded;
    const issued = await services.rightsCertificates.issue({ accountId: input.holder.accountId, name, documentNumber, record, amounts, ip: input.ip, requestId: input.requestId });
    return { kind: 'pdf', pdf: issued.pdf };
  } catch (err) {
    if (!(err instanceof RateLimitedError)) throw err;
    return { ...refused(err.code, 429, undefined, err.params), retryAfterSeconds: err.retryAfterSeconds };
  }
}
