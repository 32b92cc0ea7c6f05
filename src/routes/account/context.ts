// Shared plumbing of the user centre's pages: the signed-in state each page reads, the section
// navigation, rendering with the common model, the form guard and the audit context of a request.

import type { Context } from 'koa';
import { identityLevelLabelKeys } from '../../domain/levels.js';
import { AppError, UpstreamError } from '../../errors/app-error.js';
import type { FormGuard } from '../../http/form-guard.js';
import type { RequestState } from '../../http/state.js';
import { render } from '../../http/views.js';
import { isMessageKey, t } from '../../i18n/index.js';
import type { AccountSessionRow } from '../../repositories/account-sessions.js';
import type { AccountView } from '../../services/accounts.js';
import { formGuardFor, type RouteDeps } from '../deps.js';

export interface CentreState {
  session: AccountSessionRow;
  account: AccountView;
}

export const sections = [
  { id: 'home', href: '/account', label: 'account.nav.home' },
  { id: 'info', href: '/account/info', label: 'account.nav.info' },
  { id: 'password', href: '/account/password', label: 'account.nav.password' },
  { id: 'phone', href: '/account/phone', label: 'account.nav.phone' },
  { id: 'links', href: '/account/links', label: 'account.nav.links' },
  { id: 'family', href: '/account/family', label: 'account.nav.family' },
  { id: 'apps', href: '/account/apps', label: 'account.nav.apps' },
  { id: 'activity', href: '/account/activity', label: 'account.nav.activity' },
  { id: 'services', href: '/account/services', label: 'account.nav.services' },
] as const;
export type SectionId = (typeof sections)[number]['id'];

export function centreOf(ctx: Context): CentreState {
  const centre = (ctx.state as { centre?: CentreState }).centre;
  if (!centre) throw new AppError('errors.session_expired', 401);
  return centre;
}

export const localeOf = (ctx: Context) => (ctx.state as RequestState).locale;
export const msg = (ctx: Context, key: string, params: Record<string, string | number> = {}) => t(localeOf(ctx), key, params);

/** Who did it, from where: the audit context of a user-centre request. */
export function changeContext(ctx: Context): { actor: string; ip: string; requestId: string } {
  const state = ctx.state as RequestState;
  return { actor: centreOf(ctx).account.id, ip: state.ip, requestId: state.requestId };
}

/** A date as the pages show it (UTC+8, the platform's time zone). */
export function formatTime(date: Date | number | undefined | null): string {
  if (date === undefined || date === null) return '';
  const value = typeof date === 'number' ? new Date(date) : date;
  if (Number.isNaN(value.getTime())) return '';
  return new Date(value.getTime() + 8 * 3600_000).toISOString().slice(0, 16).replace('T', ' ');
}

/** The label of an audit event name (`account.event.<name>`), or the name itself. */
export function eventLabel(ctx: Context, event: string): string {
  const key = `account.event.${event}`;
  return isMessageKey(key) ? msg(ctx, key) : event;
}

export function renderCentre(ctx: Context, deps: RouteDeps, template: string, section: SectionId, model: Record<string, unknown> = {}, status?: number): void {
  const { account } = centreOf(ctx);
  render(
    ctx,
    deps.views,
    template,
    {
      nav: sections.map((s) => ({ href: s.href, label: s.label, current: s.id === section })),
      me: { name: account.name ?? '', level: account.level, levelLabel: identityLevelLabelKeys[account.level] },
      ...model,
    },
    status,
  );
}

export function accountGuard(deps: RouteDeps): FormGuard {
  return formGuardFor(deps);
}

/** Translated message and field of an AppError a form shows, or undefined for anything else. */
export function formError(ctx: Context, err: unknown): { message: string; field: string | undefined; status: number } | undefined {
  if (!(err instanceof AppError)) return undefined;
  if (err.status >= 500 && !(err instanceof UpstreamError) && err.code !== 'account.family.registry_unavailable') return undefined;
  const field = (err as { field?: unknown }).field;
  return { message: msg(ctx, err.code, err.params), field: typeof field === 'string' ? field : undefined, status: err.status };
}
