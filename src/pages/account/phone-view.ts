// The 更换手机号 page: the step of the flow (start with the face way when offered, the face block, the
// old or new phone's code, done), its captcha, and a step's result presented on it.

import type { Context } from 'koa';
import { maskPhone } from '../../domain/masking.js';
import { faceOption, type PhoneFlow, type PhoneHolder, type PhoneResult } from '../../flows/account-centre/change-phone.js';
import type { ChangePhoneFacts, ChangePhoneState } from '../../flows/account-centre/states.js';
import { browserIdOf } from '../../http/csrf.js';
import { requestState } from '../../http/state.js';
import type { RouteDeps } from '../deps.js';
import type { MountedFaceStep } from '../face-step.js';
import { centreOf, msg, refusalView, renderCentre } from './context.js';

/** The face block of a running check, from the mounted face step. */
export type PhoneFaceBlock = Pick<MountedFaceStep<ChangePhoneState, ChangePhoneFacts>, 'view'>;

/** What the page shows: the flow's step (or done), a message, the new number typed. */
export interface PhoneExtra {
  flow?: PhoneFlow;
  error?: string;
  fieldErrors?: Record<string, string>;
  notice?: string;
  done?: boolean;
  status?: number;
  phone?: string;
}

/** The signed-in account changing its number, from this browser and address. */
export function phoneHolderOf(ctx: Context): PhoneHolder {
  const { account } = centreOf(ctx);
  return { accountId: account.id, level: account.level, phoneE164: account.phoneE164, browserId: browserIdOf(ctx), ip: requestState(ctx).ip };
}

/** 更换手机号 at the flow's step (start without one). */
export async function showPhone(ctx: Context, deps: RouteDeps, faceBlock: PhoneFaceBlock, extra: PhoneExtra = {}): Promise<void> {
  const { account } = centreOf(ctx);
  const step = extra.done ? 'done' : (extra.flow?.state ?? 'start');
  const face = extra.flow ? await faceBlock.view(extra.flow) : undefined;
  renderCentre(ctx, deps, 'account/phone.njk', 'phone', {
    currentMasked: account.phoneE164 ? maskPhone(account.phoneE164) : undefined,
    step,
    flowId: extra.flow?.id ?? '',
    maskedNewPhone: extra.flow?.facts.maskedNewPhone,
    verifiedByFace: extra.flow?.facts.verifiedBy === 'face',
    faceOption: step === 'start' ? await faceOption(deps.services, phoneHolderOf(ctx)) : undefined,
    face,
    captcha: step === 'face' ? undefined : await deps.services.captcha.issue(),
    values: { phone: extra.phone ?? '' },
    error: extra.error,
    fieldErrors: extra.fieldErrors ?? {},
    notice: extra.notice,
  }, extra.status);
}

/** A step's result: the flow's next page with its notice, done (the centre now holds the new number), or the refusal with the number typed. */
export async function presentPhone(ctx: Context, deps: RouteDeps, faceBlock: PhoneFaceBlock, result: PhoneResult, typed?: string): Promise<void> {
  if (result.kind === 'step') return showPhone(ctx, deps, faceBlock, { flow: result.flow, ...(result.notice ? { notice: msg(ctx, result.notice.code, result.notice.params) } : {}) });
  if (result.kind === 'done') {
    const centre = centreOf(ctx);
    centre.account = { ...centre.account, phoneE164: result.phoneE164 };
    return showPhone(ctx, deps, faceBlock, { done: true, notice: msg(ctx, 'account.phone.changed', { phone: maskPhone(result.phoneE164) }) });
  }
  return showPhone(ctx, deps, faceBlock, { ...(result.flow ? { flow: result.flow } : {}), ...refusalView(ctx, result), phone: typed });
}
