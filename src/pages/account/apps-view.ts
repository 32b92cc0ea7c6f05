// The pages 已授权应用 (one row per relying party, newest use first) and 登录记录 (recent sign-ins, live
// provider sessions and the centre's own sessions), each with a message after 撤销 or 退出.

import type { Context } from 'koa';
import { consentRequestOf } from '../../oidc/consent.js';
import { asNumber, grantsByClient } from '../../flows/account-centre/apps.js';
import type { RouteDeps } from '../deps.js';
import { centreOf, formatTime, msg, renderCentre } from './context.js';

/** A message a page shows after its POST, and the status. */
export interface PageMessage {
  error?: string;
  notice?: string;
  status?: number;
}

/** A client's name as its registration gives it, else its id. */
async function clientName(deps: RouteDeps, clientId: string): Promise<string> {
  const client = await deps.clients.find(clientId);
  return typeof client?.client_name === 'string' ? client.client_name : clientId;
}

/** 已授权应用 of the signed-in account. */
export async function showApps(ctx: Context, deps: RouteDeps, extra: PageMessage = {}): Promise<void> {
  const { account } = centreOf(ctx);
  const apps = [];
  for (const [clientId, entry] of await grantsByClient(deps.services, account.id)) {
    apps.push({
      clientId,
      name: await clientName(deps, clientId),
      scopes: consentRequestOf({ scope: [...entry.scopes].join(' ') }).items.map((i) => `consent.item.${i.disclosure}`),
      lastUsed: entry.lastIat > 0 ? formatTime(entry.lastIat * 1000) : '',
      lastIat: entry.lastIat,
    });
  }
  apps.sort((a, b) => b.lastIat - a.lastIat);
  renderCentre(ctx, deps, 'account/apps.njk', 'apps', { apps, ...extra }, extra.status);
}

/** 登录记录 of the signed-in account: the last 20 sign-ins, the provider sessions, the centre sessions. */
export async function showActivity(ctx: Context, deps: RouteDeps, extra: PageMessage = {}): Promise<void> {
  const { services } = deps;
  const { account, session: current } = centreOf(ctx);
  const [events, providerSessions, centreSessions] = await Promise.all([
    services.accountCentre.activity(account.id, { prefix: 'signin.', limit: 40 }),
    services.accountCentre.providerSessions(account.id),
    services.accountCentre.listSessions(account.id),
  ]);
  // signin.password success is followed by signin.success for the same sign-in: show the latter.
  const signIns = events.filter((e) => !(e.event === 'signin.password' && e.outcome === 'success')).slice(0, 20);
  const names = new Map<string, string>();
  const nameOf = async (clientId: string | null) => {
    if (!clientId) return '';
    if (!names.has(clientId)) names.set(clientId, await clientName(deps, clientId));
    return names.get(clientId) ?? clientId;
  };
  const rows = [];
  for (const e of signIns) {
    const amr = Array.isArray(e.details.amr) ? (e.details.amr as unknown[]).filter((a): a is string => typeof a === 'string') : e.event === 'signin.password' ? ['pwd'] : [];
    rows.push({
      at: formatTime(e.at),
      method: amr.map((a) => msg(ctx, `account.amr.${a}`)).join(' + ') || e.event,
      client: await nameOf(e.clientId),
      ip: e.ip ?? '',
      ok: e.outcome === 'success',
    });
  }
  const sessions = [];
  for (const s of providerSessions) {
    const uid = typeof s.payload.uid === 'string' ? s.payload.uid : undefined;
    if (!uid) continue;
    const authorizations = (s.payload.authorizations ?? {}) as Record<string, unknown>;
    const clients = [];
    for (const clientId of Object.keys(authorizations).slice(0, 10)) clients.push(await nameOf(clientId));
    sessions.push({
      uid,
      since: formatTime((asNumber(s.payload.loginTs) ?? 0) * 1000),
      method: Array.isArray(s.payload.amr) ? (s.payload.amr as unknown[]).map((a) => msg(ctx, `account.amr.${String(a)}`)).join(' + ') : '',
      clients: clients.join('、'),
    });
  }
  renderCentre(ctx, deps, 'account/activity.njk', 'activity', {
    signIns: rows,
    sessions,
    centreSessions: centreSessions.map((s) => ({
      id: s.idHash,
      current: s.idHash === current.idHash,
      since: formatTime(s.createdAt),
      lastSeen: formatTime(s.lastSeenAt),
      ip: s.ip ?? '',
      userAgent: (s.userAgent ?? '').slice(0, 80),
    })),
    ...extra,
  }, extra.status);
}
