// The bind-phone page (views/interaction/bind-phone.njk): the send step (手机号码 or the upstream's
// offered number, captcha) or the verify step (短信验证码), with a step's refusal shown on its field.

import type { Context } from 'koa';
import type { BindPhoneFlow, BindPhoneRefusal, BindPhoneSendResult } from '../flows/login/bind-phone-steps.js';
import { requestState } from '../http/state.js';
import { render } from '../http/views.js';
import { t } from '../i18n/index.js';
import type { RouteDeps } from './deps.js';

/** What one request shows on the page. */
export interface BindPhonePageModel {
  step: 'send' | 'verify';
  error?: string;
  fieldErrors?: Record<string, string>;
  phone?: string;
  /** Which number the citizen chose: the upstream's (the default when there is one) or another. */
  phoneChoice?: 'upstream' | 'other';
  appeal?: boolean;
  notice?: string;
  status?: number;
}

/** Renders the page of `flow` (of its interaction); the send step gets a fresh captcha. */
export async function showBindPhone(ctx: Context, deps: Pick<RouteDeps, 'services' | 'views'>, flow: BindPhoneFlow, model: BindPhonePageModel): Promise<void> {
  const locale = requestState(ctx).locale;
  const uid = flow.interactionUid as string;
  const base = `/interaction/${uid}/bind-phone`;
  const captcha = model.step === 'send' ? await deps.services.captcha.issue() : undefined;
  const offered = flow.facts.offered;
  render(
    ctx,
    deps.views,
    'interaction/bind-phone.njk',
    {
      flowId: flow.id,
      step: model.step,
      captcha,
      error: model.error,
      notice: model.notice,
      fieldErrors: model.fieldErrors ?? {},
      phone: model.phone ?? '',
      maskedPhone: flow.facts.maskedPhone,
      offer: offered
        ? t(locale, 'bind_phone.use_upstream', { upstream: t(locale, `account.upstream.${offered.upstream}`), phone: offered.maskedPhone })
        : undefined,
      phoneChoice: model.phoneChoice ?? (offered ? 'upstream' : 'other'),
      appeal: model.appeal ? '/appeal?type=phone' : undefined,
      actions: { send: `${base}/send`, verify: `${base}/verify`, restart: `${base}?flow=${flow.id}`, abort: `/interaction/${uid}/abort` },
    },
    model.status,
  );
}

/** The page again after a refused send or verify: its message on its field (or above the form). */
export async function showBindPhoneRefusal(
  ctx: Context,
  deps: Pick<RouteDeps, 'services' | 'views'>,
  flow: BindPhoneFlow,
  refused: BindPhoneRefusal,
): Promise<void> {
  const message = t(requestState(ctx).locale, refused.code, refused.params);
  const { step, phone, phoneChoice, appeal, status } = refused;
  await showBindPhone(ctx, deps, flow, {
    step,
    ...(phone !== undefined ? { phone } : {}),
    ...(phoneChoice ? { phoneChoice } : {}),
    ...(appeal ? { appeal } : {}),
    ...(refused.field ? { fieldErrors: { [refused.field]: message } } : { error: message }),
    status,
  });
}

/** The page after 获取验证码: the verify step with the sent notice (of the moved flow), or the send step's refusal. */
export async function showBindPhoneSent(
  ctx: Context,
  deps: Pick<RouteDeps, 'services' | 'views'>,
  flow: BindPhoneFlow,
  sent: BindPhoneSendResult,
): Promise<void> {
  if (sent.kind === 'refused') return showBindPhoneRefusal(ctx, deps, flow, sent);
  await showBindPhone(ctx, deps, sent.flow, { step: 'verify', notice: t(requestState(ctx).locale, 'login.sms_sent') });
}
