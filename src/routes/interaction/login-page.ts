// The login page's view model: tabs (扫码 / 账号密码 / 手机动态码), the chosen method's form, the
// federated buttons, and the links to registration, recovery and appeals.

import type { Context } from 'koa';
import type { Views } from '../../http/views.js';
import { render } from '../../http/views.js';
import type { CaptchaService } from '../../services/captcha.js';

export const loginMethods = ['qr', 'password', 'sms'] as const;
export type LoginMethod = (typeof loginMethods)[number];

export interface LoginPageModel {
  uid: string;
  clientName: string;
  method: LoginMethod;
  values?: Record<string, string>;
  error?: string | undefined;
  notice?: string | undefined;
  fieldErrors?: Record<string, string | undefined>;
  smsStep?: 'send' | 'verify';
  flowId?: string;
  maskedPhone?: string;
  status?: number;
}

/** Methods whose forms exist today; the rest show as not yet available. */
const availableMethods: readonly LoginMethod[] = ['password', 'sms'];

export function parseMethod(value: unknown): LoginMethod {
  return loginMethods.includes(value as LoginMethod) ? (value as LoginMethod) : 'password';
}

export async function renderLoginPage(ctx: Context, deps: { views: Views; captcha: CaptchaService }, model: LoginPageModel): Promise<void> {
  const base = `/interaction/${model.uid}`;
  const method = availableMethods.includes(model.method) ? model.method : model.method;
  const needsCaptcha = method === 'sms' && model.smsStep !== 'verify';
  const captcha = needsCaptcha ? await deps.captcha.issue() : undefined;
  render(
    ctx,
    deps.views,
    'interaction/login.njk',
    {
      clientName: model.clientName,
      method: availableMethods.includes(method) ? method : 'unavailable',
      tabs: loginMethods.map((m) => ({ label: `login.tab.${m}`, href: `${base}?method=${m}`, active: m === model.method })),
      values: model.values ?? {},
      error: model.error,
      notice: model.notice,
      fieldErrors: model.fieldErrors ?? {},
      smsStep: model.smsStep ?? 'send',
      flowId: model.flowId,
      maskedPhone: model.maskedPhone,
      captcha,
      actions: {
        password: `${base}/password`,
        smsSend: `${base}/sms/send`,
        smsVerify: `${base}/sms/verify`,
        smsRestart: `${base}?method=sms`,
        abort: `${base}/abort`,
      },
      federated: [
        { label: 'login.fed.essc', href: undefined },
        { label: 'login.fed.jszw', href: undefined },
        { label: 'login.fed.alipay', href: undefined },
      ],
      federatedUnavailable: true,
      links: { register: `${base}/register`, recover: `/recover?interaction=${model.uid}`, appeal: '/appeal' },
    },
    model.status,
  );
}
