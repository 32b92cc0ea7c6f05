// The SMS port: send one verification-code message from a fixed template. The text of each
// template is the i18n key `sms.template.<name>` (always rendered in zh-CN).

import { t } from '../../i18n/index.js';

export const smsTemplates = ['login', 'register', 'recover', 'bind_phone', 'change_phone', 'appeal', 'reveal'] as const;
export type SmsTemplate = (typeof smsTemplates)[number];

export interface SmsParams {
  code: string;
  minutes: number;
}

export interface SmsGateway {
  /** Sends the message to an E.164 number. Throws UpstreamError('sms', 'errors.sms_unavailable'). */
  send(phoneE164: string, template: SmsTemplate, params: SmsParams): Promise<void>;
}

/** The message text of a template with its parameters filled in. */
export function renderSmsText(template: SmsTemplate, params: SmsParams): string {
  return t('zh-CN', `sms.template.${template}`, { code: params.code, minutes: params.minutes });
}
