// 扫码登录 with the 江苏智慧人社 app: begin issues a ticket bound to the interaction (the page shows
// it as a QR code and polls); complete takes the ticket the app user confirmed, once.

import { signInMethodInfo } from '../domain/sign-in-methods.js';
import type { QrLoginService } from '../services/qr-login.js';
import type { Authenticator } from './types.js';

export function createQrScanAuthenticator(deps: { qrLogin: QrLoginService }): Authenticator<{ ticket: string }> {
  return {
    method: 'qr',
    async begin(context) {
      const { ticketId, url, expiresAt } = await deps.qrLogin.issue(context.uid, context.clientId);
      return { kind: 'pending', state: 'pending', ticket: { ticketId, url, expiresAt } };
    },
    async complete(context, input) {
      const accountId = await deps.qrLogin.complete(input.ticket, context.uid);
      if (!accountId) return { kind: 'failed', code: 'login.qr_not_confirmed', status: 400 };
      return { kind: 'identified', accountId, amr: [...signInMethodInfo.qr.amr] };
    },
  };
}
