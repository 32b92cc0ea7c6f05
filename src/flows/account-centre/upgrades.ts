// Level upgrades from the user centre as steps: 基本信息修改 (注册用户 → 实名用户: name and document
// checked with the population registry after re-authentication and a captcha) and 人脸识别 (实名用户 →
// 实人用户: a face check of the account's own identity, in accountFaceFlow; a pass is recorded as a proof).

import { isCertType } from '../../domain/documents.js';
import { ValidationError } from '../../errors/app-error.js';
import { ConflictError } from '../../services/accounts.js';
import type { ReauthProof } from '../../services/reauthentication.js';
import type { Services } from '../../services/index.js';
import type { Flow } from '../engine/store.js';
import { accountFaceFlow, type AccountFaceFacts, type AccountFaceState } from './face.js';
import { loadOwnFlow, type FlowHolder } from './own-flow.js';
import { done, reauthRefusalOf, type ChangeContext, type Done, type ReauthRefused } from './outcomes.js';

export type FaceUpgradeFlow = Flow<AccountFaceState, AccountFaceFacts>;

/** The signed-in account in this browser (face flows are bound to both). */
export type UpgradeHolder = FlowHolder;

/**
 * 基本信息修改: the document type, then the service (captcha, the block's proof, the registry match).
 * A document another account holds is refused on its field with 409 (`conflictAppeal` when 用户申诉 can resolve it).
 */
export async function correctRealName(
  services: Services,
  accountId: string,
  input: { certType: string; documentNumber: string; name: string; captchaId: string; captchaAnswer: string; reauth: ReauthProof },
  change: ChangeContext,
): Promise<Done | (ReauthRefused & { conflictAppeal?: boolean })> {
  const { certType, documentNumber, name, captchaId, captchaAnswer, reauth } = input;
  try {
    if (!isCertType(certType)) throw new ValidationError('documents.unknown_type', 'certType');
    await services.assurance.correctRealName(accountId, { certType, documentNumber, name }, { captchaId, captchaAnswer, reauth }, change);
    return done;
  } catch (err) {
    const refusal = reauthRefusalOf(reauth, err);
    if (!refusal) throw err;
    if (err instanceof ConflictError) return { ...refusal, field: 'documentNumber', status: 409, conflictAppeal: err.code === 'registration.document_taken' };
    return refusal;
  }
}

/** The 人脸识别 page's state: not eligible (no registry-matched identity), a flow of another account (start over), or the page with the running check. */
export async function faceUpgradePage(services: Services, holder: UpgradeHolder, flowId: string | undefined): Promise<{ kind: 'not_eligible' } | { kind: 'elsewhere' } | { kind: 'page'; flow?: FaceUpgradeFlow }> {
  if (!(await services.assurance.identityOf(holder.accountId))) return { kind: 'not_eligible' };
  if (!flowId) return { kind: 'page' };
  const flow = await services.flows.load<AccountFaceState, AccountFaceFacts>(accountFaceFlow, flowId, holder.browserId, ['face']);
  return flow.accountId === holder.accountId ? { kind: 'page', flow } : { kind: 'elsewhere' };
}

/** The holder's face flow `id` in one of `states`. Throws FlowError (also for another account's flow). */
export function loadOwnFaceFlow(services: Services, holder: UpgradeHolder, id: string, states: readonly AccountFaceState[]): Promise<FaceUpgradeFlow> {
  return loadOwnFlow<AccountFaceState, AccountFaceFacts>(services, accountFaceFlow, holder, id, states);
}

/** 开始人脸识别: a new flow, only for an account with a registry-matched identity. */
export async function startFaceUpgrade(services: Services, holder: UpgradeHolder): Promise<{ kind: 'started'; flow: FaceUpgradeFlow } | { kind: 'not_eligible' }> {
  if (!(await services.assurance.identityOf(holder.accountId))) return { kind: 'not_eligible' };
  return { kind: 'started', flow: await services.flows.start<AccountFaceState, AccountFaceFacts>(accountFaceFlow, holder.browserId, { facts: {}, accountId: holder.accountId }) };
}

/** The check passed (asked server-side): the flow ends and the pass is recorded as the account's proof. */
export async function faceUpgradePassed(services: Services, flow: FaceUpgradeFlow, change: ChangeContext): Promise<void> {
  await services.flows.advance(accountFaceFlow, flow, 'done');
  await services.assurance.recordFaceMatch(flow.accountId as string, { certifyId: flow.facts.certifyId as string, identityKey: flow.facts.identityKey as string }, change);
}
