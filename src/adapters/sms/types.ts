// The SMS port: send one verification-code message from a fixed template, or a notice that carries
// no code. The text of each is the i18n key `sms.template.<name>` / `sms.notice.<name>` (zh-CN);
// `smsTemplates` is the one list of code purposes (the gateway's template ids, docs/operating.md).

import { t } from '../../i18n/index.js';

export const smsTemplates = ['login', 'register', 'recover', 'bind_phone', 'change_phone', 'appeal', 'reveal', 'reauth', 'rights', 'desk_reset'] as const;
export type SmsTemplate = (typeof smsTemplates)[number];

export interface SmsParams {
  code: string;
  minutes: number;
}

/**
 * Notices: messages without a code. `phone_registered` goes instead of a code to a number that is
 * already an account's (registration, bind-phone); `family_attempt` tells a registered citizen that
 * someone tried to bind their document as a family number (亲情号); `case_rating_invitation` asks
 * for the 好差评 of a case completed days ago and still unrated (once per case).
 */
export const smsNotices = ['phone_registered', 'family_attempt', 'case_rating_invitation'] as const;
export type SmsNotice = (typeof smsNotices)[number];

export interface SmsGateway {
  /** Sends the message to an E.164 number. Throws UpstreamError('sms', 'errors.sms_unavailable'). */
  send(phoneE164: string, template: SmsTemplate, params: SmsParams): Promise<void>;
  /** Sends a notice (no code) to an E.164 number. Throws UpstreamError('sms', 'errors.sms_unavailable'). */
  notify(phoneE164: string, notice: SmsNotice): Promise<void>;
}

/** The message text of a template with its parameters filled in. */
export function renderSmsText(template: SmsTemplate, params: SmsParams): string {
  return t('zh-CN', `sms.template.${template}`, { code: params.code, minutes: params.minutes });
}

/** The text of a notice. */
export function renderSmsNotice(notice: SmsNotice): string {
  return t('zh-CN', `sms.notice.${notice}`);
}
