// The 账号关联 pages: the upstreams with their link state, a link attempt's result as a response
// (off upstream, 关联成功, or the message naming the upstream), the 电子社保卡 QR page and its poll's JSON.

import type { Context } from 'koa';
import type { AuthOutcome, LinkContext } from '../../authenticators/types.js';
import type { EsscQrStatus } from '../../adapters/upstreams/essc/types.js';
import { upstreamNames } from '../../domain/sign-in-methods.js';
import { linkFailureKey, type LinkRefused, type LinkResult } from '../../flows/account-centre/linking.js';
import { browserIdOf } from '../../http/csrf.js';
import { seeOther } from '../../http/redirect.js';
import type { RouteDeps } from '../deps.js';
import { qrDataUrl } from '../interaction/login-page.js';
import { centreOf, formatTime, msg, renderCentre } from './context.js';

/** Who links: the signed-in account, its centre session, this browser. */
export function linkContextOf(ctx: Context): LinkContext {
  const { account, session } = centreOf(ctx);
  return { accountId: account.id, sessionId: session.idHash, browserId: browserIdOf(ctx) };
}

/** Where the 电子社保卡 QR of an attempt is shown. */
export const esscPage = (flowId: string) => `/account/links/essc?flow=${flowId}`;

/** An upstream's name in the page's locale (电子社保卡 …). */
export const upstreamLabel = (ctx: Context, upstream: string) => msg(ctx, `account.upstream.${upstream}`);

/** A refusal's message, naming its upstream when it is about one. */
export const linkRefusalText = (ctx: Context, refusal: LinkRefused) => msg(ctx, refusal.code, refusal.upstream ? { upstream: upstreamLabel(ctx, refusal.upstream) } : refusal.params);

/** 账号关联 of the signed-in account: each upstream, linked or not, and whether this deployment can link it. */
export async function showLinks(ctx: Context, deps: RouteDeps, extra: { error?: string; notice?: string; status?: number } = {}): Promise<void> {
  const links = await deps.services.accountCentre.links(centreOf(ctx).account.id);
  renderCentre(ctx, deps, 'account/links.njk', 'links', {
    upstreams: upstreamNames.map((name) => {
      const link = links.find((l) => l.upstream === name);
      return { name, label: `account.upstream.${name}`, linked: Boolean(link), linkedAt: link ? formatTime(link.createdAt) : '', linkable: deps.authenticators[name] !== undefined };
    }),
    ...extra,
  }, extra.status);
}

/** The list with a refusal's message. */
export const showLinkRefusal = (ctx: Context, deps: RouteDeps, refusal: LinkRefused) => showLinks(ctx, deps, { error: linkRefusalText(ctx, refusal), status: refusal.status });

/** A link attempt's result: upstream (or to its QR page), back to the list saying it is linked, or the list with why not. */
export async function presentLink(ctx: Context, deps: RouteDeps, result: LinkResult): Promise<void> {
  switch (result.kind) {
    case 'redirect':
      return seeOther(ctx, result.url);
    case 'linked':
      return seeOther(ctx, `/account/links?linked=${result.upstream}`);
    case 'already_linked':
      return showLinks(ctx, deps, { notice: msg(ctx, 'account.links.already_linked', { upstream: upstreamLabel(ctx, result.upstream) }) });
    case 'refused':
      return showLinkRefusal(ctx, deps, result);
  }
}

/** The 电子社保卡 QR of an attempt, polled server-side and completed by the page's script. */
export async function showEsscLink(ctx: Context, deps: RouteDeps, view: { flowId: string; qrContent: string }): Promise<void> {
  renderCentre(ctx, deps, 'account/link-essc.njk', 'links', {
    image: await qrDataUrl(view.qrContent),
    link: view.qrContent,
    dev: deps.config.env !== 'production',
    flowId: view.flowId,
    pollMs: deps.config.login.qrPollMs,
    actions: { status: `/account/links/essc/status.json?flow=${view.flowId}`, complete: '/account/links/essc/complete' },
  });
}

/** The poll's JSON: the QR's state with its words (submit once authorised), or the failure in the centre's words. */
export function esscStatusBody(ctx: Context, polled: { state: EsscQrStatus } | AuthOutcome): { state: string; message: string; submit: boolean; renew: false } {
  if ('state' in polled) {
    return { state: polled.state, message: msg(ctx, polled.state === 'authorized' ? 'account.links.essc_authorized' : `login.essc.${polled.state}`), submit: polled.state === 'authorized', renew: false };
  }
  const code = polled.kind === 'failed' ? polled.code : 'flow.invalid';
  return { state: 'failed', message: msg(ctx, linkFailureKey(code), { upstream: upstreamLabel(ctx, 'essc') }), submit: false, renew: false };
}
