// 已授权应用 (grants held by relying parties; revoking destroys the grant and every token issued
// under it) and 登录记录 (recent sign-ins from the audit trail, live provider sessions and
// user-centre sessions, each with 退出).

import type Router from '@koa/router';
import type { Context } from 'koa';
import { NotFoundError } from '../../errors/app-error.js';
import { field } from '../../http/body.js';
import { accountCentreClientId } from '../../oidc/clients-file.js';
import { consentRequestOf } from '../../oidc/consent.js';
import type { RouteDeps } from '../../pages/deps.js';
import { accountGuard, centreOf, changeContext, formError, formatTime, msg, renderCentre } from '../../pages/account/context.js';

/** oidc-provider ids and uids (nanoid) and our session hashes (base64url): anything else is not looked up. */
const providerId = /^[A-Za-z0-9_-]{1,64}$/;
const asNumber = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);

export function appRoutes(router: Router, deps: RouteDeps): void {
  const { services } = deps;
  const guard = accountGuard(deps);

  const clientName = async (clientId: string) => {
    const client = await deps.clients.find(clientId);
    return typeof client?.client_name === 'string' ? client.client_name : clientId;
  };

  // 已授权应用: one row per relying party (a client may hold several grants, one per provider session).
  const grantsByClient = async (accountId: string) => {
    const byClient = new Map<string, { grantIds: string[]; scopes: Set<string>; lastIat: number }>();
    for (const g of await services.accountCentre.grants(accountId)) {
      const clientId = g.payload.clientId;
      if (typeof clientId !== 'string' || clientId === accountCentreClientId) continue;
      const entry = byClient.get(clientId) ?? { grantIds: [], scopes: new Set<string>(), lastIat: 0 };
      entry.grantIds.push(g.id);
      const openid = g.payload.openid as { scope?: unknown } | undefined;
      if (typeof openid?.scope === 'string') for (const scope of openid.scope.split(' ').filter(Boolean)) entry.scopes.add(scope);
      entry.lastIat = Math.max(entry.lastIat, asNumber(g.payload.iat) ?? 0, g.lastTokenIat ?? 0);
      byClient.set(clientId, entry);
    }
    return byClient;
  };
  const showApps = async (ctx: Context, extra: { error?: string; notice?: string; status?: number } = {}) => {
    const { account } = centreOf(ctx);
    const apps = [];
    for (const [clientId, entry] of await grantsByClient(account.id)) {
      apps.push({ clientId, name: await clientName(clientId), scopes: consentRequestOf({ scope: [...entry.scopes].join(' ') }).items.map((i) => `consent.item.${i.disclosure}`), lastUsed: entry.lastIat > 0 ? formatTime(entry.lastIat * 1000) : '', lastIat: entry.lastIat });
    }
    apps.sort((a, b) => b.lastIat - a.lastIat);
    renderCentre(ctx, deps, 'account/apps.njk', 'apps', { apps, ...extra }, extra.status);
  };
  router.get('/apps', (ctx) => showApps(ctx));
  router.post('/apps/revoke', async (ctx) => {
    const form = await guard(ctx);
    const { account } = centreOf(ctx);
    const provider = deps.oidc.provider;
    const clientId = field(form, 'client', 200);
    try {
      const entry = (await grantsByClient(account.id)).get(clientId);
      if (!entry) throw new NotFoundError();
      for (const grantId of entry.grantIds) {
        const grant = await provider.Grant.find(grantId);
        if (!grant || grant.accountId !== account.id) continue;
        await Promise.all([
          provider.AccessToken.revokeByGrantId(grantId),
          provider.RefreshToken.revokeByGrantId(grantId),
          provider.AuthorizationCode.revokeByGrantId(grantId),
        ]);
        await grant.destroy();
      }
      await services.audit.record({ event: 'account.grant_revoked', outcome: 'success', subject: account.id, clientId, ...changeContext(ctx), details: { grants: entry.grantIds.length } });
    } catch (err) {
      const shown = formError(ctx, err);
      if (!shown) throw err;
      return showApps(ctx, { error: shown.message, status: shown.status });
    }
    await showApps(ctx, { notice: msg(ctx, 'account.apps.revoked') });
  });

  // 登录记录
  const showActivity = async (ctx: Context, extra: { error?: string; notice?: string; status?: number } = {}) => {
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
      if (!names.has(clientId)) names.set(clientId, await clientName(clientId));
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
  };
  router.get('/activity', (ctx) => showActivity(ctx));
  router.post('/activity/end-session', async (ctx) => {
    const form = await guard(ctx);
    const { account } = centreOf(ctx);
    try {
      const uid = field(form, 'session', 100);
      const session = providerId.test(uid) ? await deps.oidc.provider.Session.findByUid(uid) : undefined;
      if (!session || session.accountId !== account.id) throw new NotFoundError();
      await session.destroy();
      await services.audit.record({ event: 'account.session_ended', outcome: 'success', subject: account.id, ...changeContext(ctx), details: { kind: 'provider' } });
    } catch (err) {
      const shown = formError(ctx, err);
      if (!shown) throw err;
      return showActivity(ctx, { error: shown.message, status: shown.status });
    }
    await showActivity(ctx, { notice: msg(ctx, 'account.activity.ended') });
  });
  router.post('/activity/end-centre-session', async (ctx) => {
    const form = await guard(ctx);
    const { account, session: current } = centreOf(ctx);
    const id = field(form, 'session', 100);
    if (!providerId.test(id) || id === current.idHash || !(await services.accountCentre.endSession(id, account.id))) {
      return showActivity(ctx, { error: msg(ctx, 'errors.not_found'), status: 404 });
    }
    await services.audit.record({ event: 'account.session_ended', outcome: 'success', subject: account.id, ...changeContext(ctx), details: { kind: 'account_centre' } });
    await showActivity(ctx, { notice: msg(ctx, 'account.activity.ended') });
  });
}
