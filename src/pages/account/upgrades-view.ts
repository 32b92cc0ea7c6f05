// The upgrade pages of the centre: 基本信息修改 (the identity form behind the re-authentication block
// and a captcha, or why it cannot be changed online) and 人脸识别 (the face block of the running check).

import type { Context } from 'koa';
import { faceUpgradePage, type UpgradeHolder } from '../../flows/account-centre/upgrades.js';
import type { AccountFaceFacts, AccountFaceState } from '../../flows/account-centre/face.js';
import { browserIdOf } from '../../http/csrf.js';
import { seeOther } from '../../http/redirect.js';
import type { RouteDeps } from '../deps.js';
import type { MountedFaceStep } from '../face-step.js';
import { certTypeOptions } from '../identity-form.js';
import { reauthBlock, requestedMethod, type ReauthMethod } from '../reauth-block.js';
import { centreOf, localeOf, renderCentre } from './context.js';

/** What 基本信息修改 shows besides the form: the values typed, a message, the block's state. */
export interface RealNameExtra {
  values?: Record<string, string>;
  fieldErrors?: Record<string, string>;
  error?: string;
  notice?: string;
  conflictAppeal?: boolean;
  codeSent?: boolean;
  method?: ReauthMethod;
  status?: number;
}

/** The signed-in account in this browser. */
export function upgradeHolderOf(ctx: Context): UpgradeHolder {
  return { accountId: centreOf(ctx).account.id, browserId: browserIdOf(ctx) };
}

/** 基本信息修改: the form while no registry match holds, else why it cannot be changed online (403 after a POST). */
export async function showRealName(ctx: Context, deps: RouteDeps, extra: RealNameExtra = {}): Promise<void> {
  const { services } = deps;
  const { account } = centreOf(ctx);
  const { status } = extra;
  if (!(await services.assurance.canCorrectRealName(account.id))) {
    return renderCentre(ctx, deps, 'account/upgrade.njk', 'info', { titleKey: 'stepup.real_name_title', step: 'real_name_locked', error: extra.error }, status ?? (ctx.method === 'GET' ? 200 : 403));
  }
  const reauth = await reauthBlock(deps, account.id, { method: extra.method ?? requestedMethod(ctx), codeSent: extra.codeSent === true, sendAction: '/account/profile/real-name/send', pageUrl: '/account/profile/real-name' });
  return renderCentre(ctx, deps, 'account/upgrade.njk', 'info', {
    titleKey: 'stepup.real_name_title',
    step: 'real_name',
    certTypeOptions: certTypeOptions(localeOf(ctx)),
    values: { certType: account.certType ?? '01', ...extra.values },
    fieldErrors: extra.fieldErrors ?? {},
    error: extra.error,
    notice: extra.notice,
    conflictAppeal: extra.conflictAppeal,
    reauth,
    // The main form is ready once a way to prove it is you is on it: the password, or a code already sent.
    ready: reauth.method === 'pwd' || reauth.codeSent,
    captcha: reauth.method === 'pwd' || reauth.codeSent ? await services.captcha.issue() : undefined,
  }, status);
}

/** 人脸识别 with the check of flow `flowId` when one runs (another account's flow starts over at /account/face). */
export async function showFaceUpgrade(
  ctx: Context,
  deps: RouteDeps,
  faceBlock: Pick<MountedFaceStep<AccountFaceState, AccountFaceFacts>, 'view'>,
  flowId: string | undefined,
  extra: { error?: string } = {},
  status?: number,
): Promise<void> {
  const page = await faceUpgradePage(deps.services, upgradeHolderOf(ctx), flowId);
  if (page.kind === 'not_eligible') return renderCentre(ctx, deps, 'account/upgrade.njk', 'home', { titleKey: 'stepup.face_title', step: 'not_eligible' }, status);
  if (page.kind === 'elsewhere') return seeOther(ctx, '/account/face');
  const face = page.flow ? await faceBlock.view(page.flow) : undefined;
  return renderCentre(ctx, deps, 'account/upgrade.njk', 'home', { titleKey: 'stepup.face_title', step: 'face', face, ...extra }, status);
}
