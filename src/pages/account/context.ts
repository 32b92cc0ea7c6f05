// Shared plumbing of the user centre's pages: the signed-in state each page reads, the section
// navigation, rendering with the common model, the form guard, the audit context of a request, and
// how a step's refusal (flows/account-centre/outcomes.ts) shows on a page.

import type { Context } from 'koa';
import { isAuditEvent } from '../../domain/audit-events.js';
import { formatTime } from '../../domain/display-time.js';
import { identityLevelLabelKeys } from '../../domain/levels.js';
import { AppError } from '../../errors/app-error.js';
import type { ChangeContext, Done, ReauthRefused, Refused } from '../../flows/account-centre/outcomes.js';
import type { FormGuard } from '../../http/form-guard.js';
import { render } from '../../http/views.js';
import { t } from '../../i18n/index.js';
import type { AccountSessionRow } from '../../repositories/account-sessions.js';
import type { AccountView } from '../../services/accounts.js';
import { formGuardFor, type RouteDeps } from '../deps.js';
import type { ReauthMethod } from '../reauth-block.js';
import { requestState } from '../../http/state.js';

export { formatTime };

export interface CentreState {
  session: AccountSessionRow;
  account: AccountView;
}

export const sections = [
  { id: 'home', href: '/account', label: 'account.nav.home' },
  { id: 'cases', href: '/account/cases', label: 'account.nav.cases' },
  { id: 'rights', href: '/account/rights', label: 'account.nav.rights' },
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

export const localeOf = (ctx: Context) => (requestState(ctx)).locale;
export const msg = (ctx: Context, key: string, params: Record<string, string | number> = {}) => t(localeOf(ctx), key, params);

/** Who did it, from where: the audit context of a user-centre request. */
export function changeContext(ctx: Context): ChangeContext {
  const state = requestState(ctx);
  return { actor: centreOf(ctx).account.id, ip: state.ip, requestId: state.requestId };
}

/** The label of an audit event (`account.event.<name>`; every name in the vocabulary has one), or a neutral one for a name from an older release. */
export function eventLabel(ctx: Context, event: string): string {
  return msg(ctx, isAuditEvent(event) ? `account.event.${event}` : 'account.event.other');
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

/** What a page shows for a refusal: its message under the field it names, or above the form. */
export function refusalView(ctx: Context, refusal: Refused): { fieldErrors?: Record<string, string>; error?: string; status: number } {
  const message = msg(ctx, refusal.code, refusal.params);
  return refusal.field ? { fieldErrors: { [refusal.field]: message }, status: refusal.status } : { error: message, status: refusal.status };
}

/** What a page without field messages shows for a refusal: the message above the form. */
export function errorView(ctx: Context, refusal: Refused): { error: string; status: number } {
  return { error: msg(ctx, refusal.code, refusal.params), status: refusal.status };
}

/** A step's outcome on a page that only says it: the notice once done, else the refusal's message above the form. */
export function outcomeView(ctx: Context, outcome: Done | Refused, notice: string, params: Record<string, string | number> = {}): { notice?: string; error?: string; status?: number } {
  return outcome.kind === 'done' ? { notice: msg(ctx, notice, params) } : errorView(ctx, outcome);
}

/** What a page behind the re-authentication block shows after a refusal: the way used, whether the code is still offered, the message. */
export function reauthRefusalView(ctx: Context, refusal: ReauthRefused): { method: ReauthMethod; codeSent: boolean; fieldErrors?: Record<string, string>; error?: string; status: number } {
  return { method: refusal.method, codeSent: refusal.codeSent, ...refusalView(ctx, refusal) };
}
