// The login page's view model: tabs (扫码 / 账号密码 / 手机动态码) of the enabled methods, the chosen
// method's form (the QR tab issues a ticket and shows it as a QR code), the federated buttons, and
// the links to registration, recovery and appeals.

import type { Context } from 'koa';
import QRCode from 'qrcode';
import type { Authenticators } from '../../authenticators/index.js';
import type { Clock } from '../../domain/clock.js';
import type { RouteDeps } from '../deps.js';
import { isLocalMethod, localMethods, signInMethodInfo, upstreamNames, type LocalMethod } from '../../domain/sign-in-methods.js';
import type { Views } from '../../http/views.js';
import { render } from '../../http/views.js';
import type { CaptchaService } from '../../services/captcha.js';
import type { QrLoginService } from '../../services/qr-login.js';
import { appLinkFor } from './app-link.js';

/** A tab of the login page: a method this provider checks itself (the vocabulary's local methods). */
export type LoginMethod = LocalMethod;

/** The tabs the page shows: the vocabulary's local methods that `login.methods` enables, in the vocabulary's order. */
export function loginTabs(enabled: readonly string[]): LoginMethod[] {
  return localMethods.filter((m) => enabled.includes(m));
}

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
  /** QR tab: a ticket shown before (no-JS 刷新); its state decides whether a new one is issued. */
  qrTicket?: string | undefined;
  status?: number;
}

export interface LoginPageDeps {
  views: Views;
  captcha: CaptchaService;
  qrLogin: QrLoginService;
  authenticators: Authenticators;
  /** `login.methods` from config. */
  methods: readonly string[];
  /** Development: every QR code is followed by a 模拟扫码 link. */
  dev: boolean;
  qrPollMs: number;
  clock: Clock;
  /** The app link of a QR ticket URL (a phone taps it instead of scanning its own screen); undefined: QR only. */
  appLink: (ticketUrl: string) => string | undefined;
}

/** The authenticators of this container (the composition root built them once). */
export function authenticatorsOf(deps: Pick<RouteDeps, 'authenticators'>): Authenticators {
  return deps.authenticators;
}

export function loginPageDeps(deps: RouteDeps): LoginPageDeps {
  return {
    views: deps.views,
    captcha: deps.services.captcha,
    qrLogin: deps.services.qrLogin,
    authenticators: authenticatorsOf(deps),
    methods: deps.config.login.methods,
    dev: deps.config.env !== 'production',
    qrPollMs: deps.config.login.qrPollMs,
    clock: deps.clock,
    appLink: (ticketUrl) => appLinkFor(deps.config.appClient.linkBase, deps.config.issuer, ticketUrl),
  };
}

export function parseMethod(value: unknown): LoginMethod {
  return isLocalMethod(value) ? value : 'password';
}

/** An SVG data URL of `text` as a QR code (rendered by us; CSP allows data: images). */
export async function qrDataUrl(text: string): Promise<string> {
  const svg = await QRCode.toString(text, { type: 'svg', margin: 1, errorCorrectionLevel: 'M' });
  return `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`;
}

export interface QrView {
  ticketId: string;
  state: string;
  image?: string;
  link?: string;
  /** What a phone taps instead (the app, or the simulator in development), when a link base is set. */
  appLink?: string;
  expiresIn: number;
}

/** The QR tab: the shown ticket when it is scanned or confirmed, otherwise a fresh one. */
async function qrView(deps: LoginPageDeps, uid: string, clientId: string | null, shown: string | undefined): Promise<QrView | undefined> {
  if (!deps.authenticators.qr) return undefined;
  if (shown) {
    const status = await deps.qrLogin.status(shown, uid);
    if (status && !status.consumed && (status.state === 'scanned' || status.state === 'confirmed')) {
      return { ticketId: shown, state: status.state, expiresIn: Math.max(0, Math.round((status.expiresAt.getTime() - deps.clock.now().getTime()) / 1000)) };
    }
  }
  const outcome = await deps.authenticators.qr.begin({ uid, browserId: '', clientId });
  if (outcome.kind !== 'pending' || !outcome.ticket) return undefined;
  const { ticket } = outcome;
  const appLink = deps.appLink(ticket.url);
  return { ticketId: ticket.ticketId, state: 'pending', image: await qrDataUrl(ticket.url), link: ticket.url, ...(appLink ? { appLink } : {}), expiresIn: Math.round((ticket.expiresAt.getTime() - deps.clock.now().getTime()) / 1000) };
}

export async function renderLoginPage(ctx: Context, deps: LoginPageDeps, model: LoginPageModel, clientId: string | null = null): Promise<void> {
  const base = `/interaction/${model.uid}`;
  const tabs = loginTabs(deps.methods);
  const method = tabs.includes(model.method) ? model.method : (tabs.find((m) => m !== 'qr') ?? tabs[0]);
  const needsCaptcha = method === 'sms' && model.smsStep !== 'verify';
  const captcha = needsCaptcha ? await deps.captcha.issue() : undefined;
  const qr = method === 'qr' ? await qrView(deps, model.uid, clientId, model.qrTicket) : undefined;
  render(
    ctx,
    deps.views,
    'interaction/login.njk',
    {
      clientName: model.clientName,
      method: method === 'qr' && !qr ? 'unavailable' : (method ?? 'unavailable'),
      tabs: tabs.map((m) => ({ id: m, label: signInMethodInfo[m].label, href: `${base}?method=${m}`, active: m === method })),
      values: model.values ?? {},
      error: model.error,
      notice: model.notice,
      fieldErrors: model.fieldErrors ?? {},
      smsStep: model.smsStep ?? 'send',
      flowId: model.flowId,
      maskedPhone: model.maskedPhone,
      captcha,
      qr,
      dev: deps.dev,
      qrPollMs: deps.qrPollMs,
      actions: {
        password: `${base}/password`,
        smsSend: `${base}/sms/send`,
        smsVerify: `${base}/sms/verify`,
        smsRestart: `${base}?method=sms`,
        qrStatus: `${base}/qr/status.json`,
        qrRenew: `${base}/qr/ticket.json`,
        qrComplete: `${base}/qr/complete`,
        qrRefresh: qr ? `${base}?method=qr&ticket=${qr.ticketId}` : `${base}?method=qr`,
        abort: `${base}/abort`,
      },
      federated: upstreamNames
        .filter((m) => deps.methods.includes(m) && deps.authenticators[m])
        .map((m) => ({ label: signInMethodInfo[m].label, href: `${base}/federated/${m}` })),
      links: { register: `${base}/register`, recover: `/recover?interaction=${model.uid}`, appeal: '/appeal' },
    },
    model.status,
  );
}
