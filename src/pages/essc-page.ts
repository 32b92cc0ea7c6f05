// The 电子社保卡 QR sign-in page (views/interaction/essc.njk): the platform's QR rendered by us and
// where the page polls, completes, refreshes and restarts; and the JSON answer of its poll.

import type { Context } from 'koa';
import type { EsscPollAnswer } from '../flows/login/federated-steps.js';
import { requestState } from '../http/state.js';
import { render } from '../http/views.js';
import { t } from '../i18n/index.js';
import type { RouteDeps } from './deps.js';
import { clientNameOf, type InteractionDetails } from './interaction/details.js';
import { qrDataUrl } from './interaction/login-page.js';

/** Renders the QR of the e-SSC attempt `view` (flow `flowId`) of the interaction `details`. */
export async function showEsscPage(
  ctx: Context,
  deps: Pick<RouteDeps, 'views' | 'config' | 'oidc'>,
  details: InteractionDetails,
  view: { flowId: string; qrContent: string },
): Promise<void> {
  const base = `/interaction/${details.uid}/federated/essc`;
  render(ctx, deps.views, 'interaction/essc.njk', {
    clientName: await clientNameOf(deps.oidc.provider, details.params.client_id),
    image: await qrDataUrl(view.qrContent),
    link: view.qrContent,
    dev: deps.config.env !== 'production',
    flowId: view.flowId,
    pollMs: deps.config.login.qrPollMs,
    actions: {
      status: `${base}/status.json?flow=${view.flowId}`,
      complete: `${base}/complete`,
      refresh: `${base}?flow=${view.flowId}`,
      restart: base,
      back: `/interaction/${details.uid}`,
    },
  });
}

/** The poll's JSON body in the page's locale (a failure's message names e-SSC). */
export function esscPollBody(ctx: Context, answer: EsscPollAnswer): { state: string; message: string; submit: boolean; renew: false } {
  const { locale } = requestState(ctx);
  return { state: answer.state, message: t(locale, answer.code, { method: t(locale, 'login.fed.essc') }), submit: answer.submit, renew: false };
}
