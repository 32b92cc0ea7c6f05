// Development SMS gateway: keeps the last 500 messages in this process's memory (newest first) so
// the dev page and tests can read the codes. Never used in production.

import { renderSmsNotice, renderSmsText, type SmsGateway } from './types.js';

export interface DevSmsMessage {
  /** E.164 */
  phone: string;
  text: string;
  /** ISO 8601 */
  created_at: string;
}

export interface DevSmsGateway extends SmsGateway {
  /** Messages newest first, optionally only those sent to `phoneE164`. */
  outbox(phoneE164?: string): DevSmsMessage[];
}

const CAPACITY = 500;

export function createDevSmsGateway(): DevSmsGateway {
  // Oldest first; trimmed from the front once it holds more than CAPACITY messages.
  const messages: DevSmsMessage[] = [];

  const keep = (phone: string, text: string) => {
    messages.push({ phone, text, created_at: new Date().toISOString() });
    if (messages.length > CAPACITY) messages.splice(0, messages.length - CAPACITY);
  };

  return {
    async send(phoneE164, template, params) {
      keep(phoneE164, renderSmsText(template, params));
    },
    async notify(phoneE164, notice) {
      keep(phoneE164, renderSmsNotice(notice));
    },
    outbox(phoneE164) {
      const selected = phoneE164 === undefined ? messages : messages.filter((m) => m.phone === phoneE164);
      return selected
        .slice()
        .reverse()
        .map((m) => ({ ...m }));
    },
  };
}
