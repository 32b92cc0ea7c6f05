// src/console/: the staff console (its own sign-in, pages, operations shared with the CLI); imports services/, repositories/, oidc/, http/, pages/deps.ts, domain/, errors/, i18n/, db/.
// The staff console at /console (issue 17): its own sign-in (password + TOTP, enrolment by a
// one-time link), its own cookie and sessions, optional STAFF_ALLOWED_NETWORKS, and the pages of
// each role, built on the same operations as the CLI. Every staff action is audited.

import { BlockList, isIPv4 } from 'node:net';
import Router from '@koa/router';
import type { Context, Next } from 'koa';
import QRCode from 'qrcode';
import type { Container } from '../container.js';
import { formatTime } from '../domain/display-time.js';
import { identityLevelLabelKeys } from '../domain/levels.js';
import { parseNetwork } from '../domain/networks.js';
import { AppError } from '../errors/app-error.js';
import type { RequestState } from '../http/state.js';
import { render } from '../http/views.js';
import { t } from '../i18n/index.js';
import { listLockedKeys } from '../repositories/operator-queries.js';
import { formGuardFor } from '../pages/deps.js';
import { createOperations, requiredReason, type Actor, type Operations } from './operations.js';
import { createStaffService, isStaffRole, staffRoles, type StaffRole, type StaffService, type StaffSession } from './staff.js';
import { otpauthUri } from './totp.js';
import { dashboardModel } from './dashboard.js';

export const consoleCookie = 'jsrs_console';

export interface ConsoleParts {
  staff: StaffService;
  operations: Operations;
}

/** The console's services from the container's parts (the CLI builds the same from its own). */
export function consoleParts(container: Pick<Container, 'database' | 'clock' | 'secrets' | 'services' | 'clients'>): ConsoleParts {
  const { database, clock, secrets, services, clients } = container;
  return {
    staff: createStaffService({ db: database.db, clock, secrets, hasher: services.hasher, lockout: services.lockout, audit: services.audit }),
    operations: createOperations({ db: database.db, clock, audit: services.audit, clients, accounts: services.accounts, lockout: services.lockout, sms: services.smsCodes, box: secrets.cipher }),
  };
}

function allowedNetworks(entries: readonly string[]): BlockList | undefined {
  if (entries.length === 0) return undefined;
  const list = new BlockList();
  for (const entry of entries) {
    const range = parseNetwork(entry);
    if (range) list.addSubnet(range.address, range.prefix, range.family);
  }
  return list;
}

function addressAllowed(list: BlockList, ip: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip)?.[1];
  const address = mapped ?? ip;
  return list.check(address, isIPv4(address) ? 'ipv4' : 'ipv6');
}

const locale = (ctx: Context) => (ctx.state as RequestState).locale;
const msg = (ctx: Context, key: string, params: Record<string, string | number> = {}) => t(locale(ctx), key, params);

/** Which role a page or action needs; the menu shows the staff member's. */
const menu: Array<{ role: StaffRole; href: string; label: string }> = [
  { role: 'servicedesk', href: '/console/citizens', label: 'console.nav.citizens' },
  { role: 'secadmin', href: '/console/staff', label: 'console.nav.staff' },
  { role: 'secadmin', href: '/console/lockouts', label: 'console.nav.lockouts' },
  { role: 'secadmin', href: '/console/sessions', label: 'console.nav.sessions' },
  { role: 'auditor', href: '/console/audit', label: 'console.nav.audit' },
  { role: 'sysadmin', href: '/console/clients', label: 'console.nav.clients' },
];

function sessionOf(ctx: Context): StaffSession {
  const session = (ctx.state as { staff?: StaffSession }).staff;
  if (!session || session.stage !== 'full') throw new AppError('errors.session_expired', 401);
  return session;
}

/** The actor for an action that needs `role`; 403 (and nothing done) when the staff member lacks it. */
function actorFor(ctx: Context, role: StaffRole): Actor {
  const { staff } = sessionOf(ctx);
  if (!staff.roles.includes(role)) throw new AppError('console.forbidden', 403);
  return { kind: 'staff', staffId: staff.id, role };
}

function page(ctx: Context, container: Container, template: string, model: Record<string, unknown> = {}, status?: number): void {
  const session = (ctx.state as { staff?: StaffSession }).staff;
  const me = session?.stage === 'full' ? session.staff : undefined;
  render(
    ctx,
    container.views,
    template,
    {
      me: me ? { name: me.displayName, roles: me.roles.map((r) => msg(ctx, `console.role.${r}`)).join('、') } : undefined,
      nav: me ? menu.filter((m) => me.roles.includes(m.role)).filter((m, i, all) => all.findIndex((x) => x.href === m.href) === i) : [],
      ...model,
    },
    status,
  );
}

/** A required written reason (audited with the action). */
function reasonOf(form: Record<string, string>, field = 'reason'): string {
  return requiredReason(form[field]);
}

export function consoleRoutes(container: Container, parts: ConsoleParts = consoleParts(container)): Router {
  const { config, clock } = container;
  const { staff, operations } = parts;
  const guard = formGuardFor(container);
  const production = config.env === 'production';
  const networks = allowedNetworks(config.staff.allowedNetworks);
  const router = new Router({ prefix: '/console' });
  const cookieOptions = { httpOnly: true, sameSite: 'strict' as const, secure: production, path: '/console', overwrite: true };
  const setSession = (ctx: Context, token: string | undefined) => ctx.cookies.set(consoleCookie, token ?? '', { ...cookieOptions, ...(token ? {} : { maxAge: 0 }) });

  router.use(async (ctx: Context, next: Next) => {
    // Outside the allowed networks the console does not exist.
    if (networks && !addressAllowed(networks, ctx.ip)) throw new AppError('errors.not_found', 404);
    ctx.set('Cache-Control', 'no-store');
    const session = await staff.resume(ctx.cookies.get(consoleCookie));
    (ctx.state as { staff?: StaffSession }).staff = session;
    const open = /^\/console\/(login|enrol)(\/|$)/.test(ctx.path);
    if (!open && session?.stage !== 'full') {
      if (ctx.method === 'GET') return ctx.redirect('/console/login');
      throw new AppError('errors.session_expired', 401);
    }
    return next();
  });

  // ---- sign-in: password, then the TOTP code
  router.get('/login', (ctx) => page(ctx, container, 'console/login.njk', { step: 'password' }));
  router.post('/login', async (ctx) => {
    const form = await guard(ctx);
    const outcome = await staff.signInPassword(form.username ?? '', form.password ?? '');
    if (!outcome.ok) {
      const error = outcome.reason === 'locked' ? msg(ctx, 'console.login.locked') : msg(ctx, 'console.login.invalid');
      return page(ctx, container, 'console/login.njk', { step: 'password', error, username: form.username ?? '' }, outcome.reason === 'locked' ? 429 : 400);
    }
    setSession(ctx, outcome.token);
    ctx.redirect('/console/login/code');
  });
  router.get('/login/code', (ctx) => {
    if ((ctx.state as { staff?: StaffSession }).staff?.stage !== 'password') return ctx.redirect('/console/login');
    page(ctx, container, 'console/login.njk', { step: 'code' });
  });
  router.post('/login/code', async (ctx) => {
    const form = await guard(ctx);
    const outcome = await staff.signInCode(ctx.cookies.get(consoleCookie) ?? '', form.code ?? '');
    if (!outcome.ok) {
      if (outcome.reason === 'locked') {
        setSession(ctx, undefined);
        return page(ctx, container, 'console/login.njk', { step: 'password', error: msg(ctx, 'console.login.locked') }, 429);
      }
      if ((ctx.state as { staff?: StaffSession }).staff?.stage !== 'password') return ctx.redirect('/console/login');
      return page(ctx, container, 'console/login.njk', { step: 'code', error: msg(ctx, 'console.login.bad_code') }, 400);
    }
    setSession(ctx, outcome.token);
    ctx.redirect('/console');
  });
  router.post('/logout', async (ctx) => {
    await guard(ctx);
    await staff.signOut(ctx.cookies.get(consoleCookie));
    setSession(ctx, undefined);
    ctx.redirect('/console/login');
  });

  // ---- enrolment by the one-time link: password + authenticator (QR), confirmed by a code
  const enrolPage = async (ctx: Context, token: string, model: Record<string, unknown> = {}, status?: number) => {
    const enrolment = await staff.enrolment(token);
    if (!enrolment) throw new AppError('console.enrol.link_invalid', 404);
    const uri = otpauthUri(enrolment.totpSecret, enrolment.staff.username, new URL(config.issuer).host);
    page(ctx, container, 'console/enrol.njk', {
      token,
      username: enrolment.staff.username,
      secret: enrolment.totpSecret.replace(/(.{4})/g, '$1 ').trim(),
      qr: await QRCode.toString(uri, { type: 'svg', margin: 1, errorCorrectionLevel: 'M' }),
      ...model,
    }, status);
  };
  router.get('/enrol/:token', (ctx) => enrolPage(ctx, ctx.params.token ?? ''));
  router.post('/enrol/:token', async (ctx) => {
    const form = await guard(ctx);
    const token = ctx.params.token ?? '';
    if ((form.password ?? '') !== (form.confirmPassword ?? '')) return enrolPage(ctx, token, { error: msg(ctx, 'register.password_mismatch') }, 400);
    try {
      await staff.completeEnrolment(token, form.password ?? '', (form.code ?? '').trim());
    } catch (err) {
      if (err instanceof AppError && err.status === 400) return enrolPage(ctx, token, { error: msg(ctx, err.code) }, 400);
      throw err;
    }
    page(ctx, container, 'console/enrolled.njk');
  });

  // ---- home: the dashboard
  router.get('/', async (ctx) => {
    sessionOf(ctx);
    page(ctx, container, 'console/home.njk', await dashboardModel(container, (key, params) => msg(ctx, key, params), formatAt));
  });

  // ---- 客服: exact lookup (by POST: the number never rides in a URL), the masked record, unlock, reveal
  router.get('/citizens', (ctx) => {
    actorFor(ctx, 'servicedesk');
    page(ctx, container, 'console/citizens.njk', { by: 'phone' });
  });
  router.post('/citizens', async (ctx) => {
    const actor = actorFor(ctx, 'servicedesk');
    const form = await guard(ctx);
    const by = form.by === 'document' ? 'document' : 'phone';
    const accountId = await operations.findCitizen(by, (form.q ?? '').trim());
    if (!accountId) return page(ctx, container, 'console/citizens.njk', { by, notFound: true }, 404);
    await container.services.audit.record({ event: 'staff.citizen_viewed', outcome: 'info', actor: `staff:${(actor as { staffId: string }).staffId}`, subject: accountId, details: { role: 'servicedesk', by } });
    ctx.redirect(`/console/citizens/${accountId}`);
  });
  const citizenPage = async (ctx: Context, model: Record<string, unknown> = {}, status?: number) => {
    actorFor(ctx, 'servicedesk');
    const id = ctx.params.id ?? '';
    const citizen = await operations.citizen(id);
    if (!citizen) throw new AppError('errors.not_found', 404);
    const { services } = container;
    const [links, family, grants, recent] = await Promise.all([
      services.accountCentre.links(id),
      services.family.list(id),
      services.accountCentre.grants(id),
      services.accountCentre.activity(id, { prefix: 'signin.', limit: 10 }),
    ]);
    page(ctx, container, 'console/citizen.njk', {
      citizen: {
        ...citizen,
        levelLabel: msg(ctx, identityLevelLabelKeys[citizen.level]),
        lockedUntil: citizen.lock.lockedUntil ? formatAt(citizen.lock.lockedUntil) : undefined,
        proofs: citizen.proofs.map((p) => ({ ...p, at: formatAt(p.createdAt), levelLabel: msg(ctx, identityLevelLabelKeys[p.level]) })),
      },
      links: links.map((l) => ({ upstream: l.upstream, at: formatAt(l.createdAt) })),
      family: family.map((f) => ({ relation: f.relation, number: f.numberMasked, at: formatAt(f.createdAt) })),
      apps: grants.map((g) => ({ clientId: String(g.payload.clientId ?? '') })),
      recent: recent.map((r) => ({ at: formatAt(r.at), event: msg(ctx, `account.event.${r.event}`), outcome: r.outcome })),
      ...model,
    }, status);
  };
  router.get('/citizens/:id', (ctx) => citizenPage(ctx));
  router.post('/citizens/:id/unlock', async (ctx) => {
    const actor = actorFor(ctx, 'servicedesk');
    const form = await guard(ctx);
    let reason: string;
    try {
      reason = reasonOf(form);
    } catch (err) {
      return citizenPage(ctx, { error: msg(ctx, (err as AppError).code) }, 400);
    }
    await operations.unlock(ctx.params.id ?? '', actor, reason);
    return citizenPage(ctx, { notice: msg(ctx, 'console.citizen.unlocked') });
  });
  // 客服: a password-reset code to the bound phone (the staff member never sees it), with a reason.
  router.post('/citizens/:id/password-reset', async (ctx) => {
    const actor = actorFor(ctx, 'servicedesk');
    const form = await guard(ctx);
    try {
      const sent = await operations.startPasswordReset(ctx.params.id ?? '', actor, form.resetReason ?? '');
      return citizenPage(ctx, { notice: msg(ctx, 'console.citizen.reset_sent', { phone: sent.maskedPhone, minutes: Math.ceil(sent.expiresInSeconds / 60) }) });
    } catch (err) {
      if (err instanceof AppError && err.status < 500 && err.status !== 404) return citizenPage(ctx, { error: msg(ctx, err.code, err.params as Record<string, number>) }, err.status);
      throw err;
    }
  });
  router.post('/citizens/:id/reveal', async (ctx) => {
    const actor = actorFor(ctx, 'servicedesk') as Extract<Actor, { kind: 'staff' }>;
    const form = await guard(ctx);
    const what = form.what === 'document' ? 'document' : 'phone';
    let reason: string;
    try {
      reason = reasonOf(form, 'revealReason');
    } catch (err) {
      return citizenPage(ctx, { error: msg(ctx, (err as AppError).code) }, 400);
    }
    const id = ctx.params.id ?? '';
    const account = await container.services.accounts.getAccount(id);
    if (!account) throw new AppError('errors.not_found', 404);
    const full = what === 'document' ? account.documentNumber : account.phoneE164?.replace(/^\+86/, '');
    await container.services.audit.record({ event: 'staff.number_revealed', outcome: 'info', actor: `staff:${actor.staffId}`, subject: id, details: { role: actor.role, what, reason } });
    return citizenPage(ctx, { revealed: { what: msg(ctx, `console.citizen.${what}`), value: full ?? '' } });
  });

  // ---- 安全管理员: staff and roles (nobody changes their own), lockouts, a citizen's sessions
  const staffPage = async (ctx: Context, model: Record<string, unknown> = {}, status?: number) => {
    actorFor(ctx, 'secadmin');
    const members = await staff.list();
    page(ctx, container, 'console/staff.njk', {
      members: members.map((m) => ({ ...m, roleLabels: m.roles.map((r) => msg(ctx, `console.role.${r}`)).join('、') })),
      roles: staffRoles.map((r) => ({ value: r, label: msg(ctx, `console.role.${r}`) })),
      ...model,
    }, status);
  };
  router.get('/staff', (ctx) => staffPage(ctx));
  router.post('/staff', async (ctx) => {
    const actor = actorFor(ctx, 'secadmin');
    const form = await guard(ctx);
    const roles = String(form.roles ?? '').split(',').filter(isStaffRole);
    try {
      const { enrolmentToken } = await staff.create({ username: form.username ?? '', displayName: form.displayName ?? '', roles }, actor);
      return staffPage(ctx, { enrolmentLink: `${config.issuer}/console/enrol/${enrolmentToken}` });
    } catch (err) {
      if (err instanceof AppError && err.status === 400) return staffPage(ctx, { error: msg(ctx, err.code) }, 400);
      throw err;
    }
  });
  router.post('/staff/:id/roles', async (ctx) => {
    const actor = actorFor(ctx, 'secadmin');
    const form = await guard(ctx);
    const reason = reasonOf(form);
    await staff.setRoles(ctx.params.id ?? '', String(form.roles ?? '').split(',').filter(isStaffRole), actor, reason);
    return staffPage(ctx, { notice: msg(ctx, 'console.staff.roles_saved') });
  });
  router.get('/lockouts', async (ctx) => {
    actorFor(ctx, 'secadmin');
    const rows = await listLockedKeys(container.database.db, clock.now(), 200);
    page(ctx, container, 'console/lockouts.njk', {
      rows: rows.map((r) => ({ key: r.key.replace(/^(identifier|staff-name):.*/, '$1'), accountId: /^account:(.+)$/.exec(r.key)?.[1], failures: r.failures, until: r.lockedUntil ? formatAt(r.lockedUntil) : '' })),
    });
  });
  // A citizen's sessions, grants and tokens, by account id (the form) or from a citizen's URL.
  const revoke = async (ctx: Context, accountId: string) => {
    const actor = actorFor(ctx, 'secadmin');
    const form = await guard(ctx);
    const id = accountId || (form.accountId ?? '').trim();
    try {
      const ended = await operations.revokeSessions(id, actor, form.reason ?? '');
      page(ctx, container, 'console/sessions.njk', { notice: msg(ctx, 'console.citizen.revoked', { count: ended }) });
    } catch (err) {
      if (err instanceof AppError && err.status < 500) return page(ctx, container, 'console/sessions.njk', { accountId: id, error: msg(ctx, err.status === 404 ? 'console.citizens.not_found' : err.code) }, err.status);
      throw err;
    }
  };
  router.get('/sessions', (ctx) => {
    actorFor(ctx, 'secadmin');
    page(ctx, container, 'console/sessions.njk');
  });
  router.post('/sessions', (ctx) => revoke(ctx, ''));
  router.post('/citizens/:id/revoke', (ctx) => revoke(ctx, ctx.params.id ?? ''));
  router.post('/lockouts/:id/unlock', async (ctx) => {
    const actor = actorFor(ctx, 'secadmin');
    const form = await guard(ctx);
    await operations.unlock(ctx.params.id ?? '', actor, reasonOf(form));
    ctx.redirect('/console/lockouts');
  });

  // ---- 审计管理员: read-only search and export
  const auditFilter = (ctx: Context) => {
    const q = ctx.query as Record<string, string | undefined>;
    const since = new Date(q.since || '1970-01-01T00:00:00Z');
    // Without an end: everything up to and including this moment.
    const until = q.until ? new Date(q.until) : new Date(clock.now().getTime() + 1);
    if (Number.isNaN(since.getTime()) || Number.isNaN(until.getTime())) throw new AppError('errors.bad_request', 400);
    return { since, until, party: q.account?.trim() || undefined, event: q.event?.trim() || undefined };
  };
  router.get('/audit', async (ctx) => {
    actorFor(ctx, 'auditor');
    const filter = auditFilter(ctx);
    const rows: Array<Record<string, unknown>> = [];
    for await (const row of operations.exportAudit(filter)) {
      rows.push(row);
      if (rows.length >= 200) break;
    }
    page(ctx, container, 'console/audit.njk', { rows: rows.reverse(), query: ctx.query });
  });
  router.get('/audit/export', async (ctx) => {
    const actor = actorFor(ctx, 'auditor') as Extract<Actor, { kind: 'staff' }>;
    const filter = auditFilter(ctx);
    const lines: string[] = [];
    for await (const row of operations.exportAudit(filter)) lines.push(JSON.stringify(row));
    await container.services.audit.record({ event: 'staff.audit_exported', outcome: 'info', actor: `staff:${actor.staffId}`, details: { role: actor.role, rows: lines.length, account: filter.party ?? null, event: filter.event ?? null } });
    ctx.type = 'application/x-ndjson';
    ctx.attachment('audit.jsonl');
    ctx.body = lines.join('\n') + (lines.length ? '\n' : '');
  });

  // ---- 系统管理员: relying parties (masked view), secret rotation
  router.get('/clients', async (ctx) => {
    actorFor(ctx, 'sysadmin');
    const list = await container.clients.list({ includeDisabled: true });
    page(ctx, container, 'console/clients.njk', {
      clients: list.map((c) => ({ id: c.clientId, source: c.source, name: String(c.metadata.client_name ?? ''), firstParty: c.metadata.first_party === true, scope: String(c.metadata.scope ?? ''), disabled: c.disabledAt !== undefined })),
      levels: levelOptions(ctx),
    });
  });
  /** The client fields the console edits, from a form (checkboxes: present = on). */
  const clientForm = (form: Record<string, string>) => ({
    name: form.name ?? '',
    redirectUris: (form.redirectUris ?? '').split(/\s+/).filter(Boolean),
    firstParty: form.firstParty === 'on',
    catalogue: form.catalogue === 'on',
    description: (form.description ?? '').trim(),
    requiredLevel: form.requiredLevel ?? '',
    scopes: (form.scopes ?? '').split(/[\s,]+/).filter(Boolean),
  });
  const clientPage = async (ctx: Context, model: Record<string, unknown> = {}, status?: number) => {
    actorFor(ctx, 'sysadmin');
    const stored = await container.clients.lookup(ctx.params.id ?? '');
    if (!stored) throw new AppError('errors.not_found', 404);
    const { metadata } = stored;
    page(ctx, container, 'console/client.njk', {
      client: {
        id: metadata.client_id,
        disabledAt: stored.disabledAt ? formatAt(stored.disabledAt) : undefined,
        name: String(metadata.client_name ?? ''),
        redirectUris: ((metadata.redirect_uris as string[] | undefined) ?? []).join('\n'),
        firstParty: metadata.first_party === true,
        catalogue: metadata.public_service === true,
        description: String(metadata.service_description ?? ''),
        requiredLevel: String(metadata.required_level ?? ''),
        scopes: String(metadata.scope ?? '').split(' ').filter((s) => s && s !== 'openid').join(' '),
        hasSecret: typeof metadata.client_secret === 'string',
      },
      levels: levelOptions(ctx),
      ...model,
    }, status);
  };
  router.get('/clients/:id', (ctx) => clientPage(ctx));
  router.post('/clients', async (ctx) => {
    const actor = actorFor(ctx, 'sysadmin');
    const form = await guard(ctx);
    try {
      const { clientId, secret } = await operations.createClient(clientForm(form), actor);
      return page(ctx, container, 'console/secret.njk', { clientId, secret });
    } catch (err) {
      if (err instanceof AppError && err.status === 400) return page(ctx, container, 'console/clients.njk', { clients: [], levels: levelOptions(ctx), error: msg(ctx, err.code) }, 400);
      throw err;
    }
  });
  router.post('/clients/:id', async (ctx) => {
    const actor = actorFor(ctx, 'sysadmin');
    const form = await guard(ctx);
    try {
      await operations.updateClient(ctx.params.id ?? '', clientForm(form), actor, (form.reason ?? '').trim() || undefined);
    } catch (err) {
      if (err instanceof AppError && err.status < 500) return clientPage(ctx, { error: msg(ctx, err.code) }, err.status);
      throw err;
    }
    return clientPage(ctx, { notice: msg(ctx, 'console.clients.saved') });
  });
  // Disable / enable: a written reason; the client page shows the outcome (or why not).
  for (const [action, disabled] of [['disable', true], ['enable', false]] as const) {
    router.post(`/clients/:id/${action}`, async (ctx) => {
      const actor = actorFor(ctx, 'sysadmin');
      const form = await guard(ctx);
      try {
        await operations.setClientDisabled(ctx.params.id ?? '', disabled, actor, form.statusReason ?? '');
      } catch (err) {
        if (err instanceof AppError && err.status === 400) return clientPage(ctx, { error: msg(ctx, err.code) }, 400);
        throw err;
      }
      return clientPage(ctx, { notice: msg(ctx, disabled ? 'console.clients.disabled_now' : 'console.clients.enabled_now') });
    });
  }
  router.post('/keys/rotate', async (ctx) => {
    const actor = actorFor(ctx, 'sysadmin');
    const form = await guard(ctx);
    await operations.rotateKeys(form.use === 'cookie' ? 'cookie' : 'sig', 48 * 3600, actor, (form.reason ?? '').trim() || undefined);
    page(ctx, container, 'console/config.njk', { config: maskedConfig(config), notice: msg(ctx, 'console.keys.rotated') });
  });
  router.get('/config', (ctx) => {
    actorFor(ctx, 'sysadmin');
    page(ctx, container, 'console/config.njk', { config: maskedConfig(config) });
  });
  router.post('/clients/:id/rotate-secret', async (ctx) => {
    const actor = actorFor(ctx, 'sysadmin');
    const form = await guard(ctx);
    const secret = await operations.rotateClientSecret(ctx.params.id ?? '', actor, (form.reason ?? '').trim() || undefined);
    page(ctx, container, 'console/secret.njk', { clientId: ctx.params.id, secret });
  });

  return router;
}

const formatAt = (date: Date) => formatTime(date);

const levelOptions = (ctx: Context) =>
  (['', 'registered', 'real_name', 'real_person'] as const).map((l) => ({ value: l, label: l ? msg(ctx, identityLevelLabelKeys[l]) : msg(ctx, 'console.none') }));

const secretName = /secret|password|token|key|cookie|envelope/i;

/** The running configuration as text, secrets masked (a set secret shows as ••••), a database URL without its password. */
export function maskedConfig(config: Readonly<Record<string, unknown>>): string {
  const walk = (value: unknown, name: string): unknown => {
    if (name === 'databaseUrl' && typeof value === 'string') return value.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:••••@');
    if (secretName.test(name) && value !== undefined && value !== null && value !== '') return Array.isArray(value) ? value.map(() => '••••') : '••••';
    if (Array.isArray(value)) return value.map((v) => walk(v, ''));
    if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v, k)]));
    return value;
  };
  return JSON.stringify(walk(config, ''), null, 2);
}
