// The console's dashboard (issue 17): sign-ins per method and failures per hour over 24 hours, locks
// now, SMS sends today, overdue 差评 rectifications and each upstream's recent calls, drawn
// server-side as SVG (no JavaScript).

import { sql } from 'kysely';
import type { Container } from '../container.js';
import { signInAuditEvents } from '../domain/sign-in-methods.js';
import type { OverdueRectification } from '../repositories/cases.js';

type Msg = (key: string, params?: Record<string, string | number>) => string;

const methods = signInAuditEvents;

/** A bar chart as an SVG string: one bar per value, labelled; `title` names it for assistive technology. */
export function barChart(title: string, bars: Array<{ label: string; value: number }>, options: { width?: number; height?: number } = {}): string {
  const width = options.width ?? 640;
  const height = options.height ?? 180;
  const max = Math.max(1, ...bars.map((b) => b.value));
  const slot = width / Math.max(1, bars.length);
  const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] as string);
  const body = bars
    .map((b, i) => {
      const h = Math.round(((height - 40) * b.value) / max);
      const x = Math.round(i * slot + slot * 0.15);
      const w = Math.max(1, Math.round(slot * 0.7));
      return `<g><rect x="${x}" y="${height - 20 - h}" width="${w}" height="${h}" fill="#1f5fa8"><title>${esc(b.label)}: ${b.value}</title></rect>` +
        `<text x="${x + w / 2}" y="${height - 6}" font-size="10" text-anchor="middle" fill="#333">${esc(b.label)}</text>` +
        `<text x="${x + w / 2}" y="${height - 24 - h}" font-size="10" text-anchor="middle" fill="#333">${b.value}</text></g>`;
    })
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="${esc(title)}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}"><title>${esc(title)}</title>${body}</svg>`;
}

const hourMs = 3600 * 1000;
/** China Standard Time has no daylight saving: hours and days are UTC shifted by eight hours. */
const shanghaiOffsetMs = 8 * hourMs;
/** Delivered messages: codes (sms.sent, outcome success), 好差评 invitations and 亲情号 notices. */
const smsEvents = ['sms.sent', 'case.rating_invited', 'account.family_attempt_noticed'];
/** Overdue rectifications listed on the tile (the count goes one further to say "more"). */
const overdueShown = 10;
const overdueCounted = 100;

export interface DashboardNumbers {
  /** Successful sign-ins per method in the last 24 hours. */
  signInsPerMethod: Record<(typeof methods)[number], number>;
  /** Failed sign-ins in each of the last 24 clock hours (Asia/Shanghai), oldest first, the current one last. */
  failuresPerHour: Array<{ hour: string; count: number }>;
  /** Keys (accounts, identifiers, staff) locked at this moment. */
  locksNow: number;
  /** Messages delivered since midnight Asia/Shanghai. */
  smsToday: number;
  /** 差评 whose rectification reply is past due, earliest first (at most `overdueCounted` + 1). */
  overdue: OverdueRectification[];
}

/** The dashboard's figures at `now`, from the audit trail, the lockout table and the cases. */
export async function dashboardNumbers(container: Pick<Container, 'database' | 'services'>, now: Date): Promise<DashboardNumbers> {
  const { db } = container.database;
  const since = new Date(now.getTime() - 24 * hourMs);
  const firstHour = new Date(Math.floor(now.getTime() / hourMs) * hourMs - 23 * hourMs);
  const dayStart = new Date(now.getTime() - ((now.getTime() + shanghaiOffsetMs) % (24 * hourMs)));
  const [perMethod, failures, locks, sms, overdue] = await Promise.all([
    db.selectFrom('audit_events').select(['event', sql<number>`count(*)::int`.as('n')])
      .where('at', '>=', since).where('at', '<=', now).where('event', 'in', [...methods]).where('outcome', '=', 'success')
      .groupBy('event').execute(),
    db.selectFrom('audit_events').select([sql<number>`floor(extract(epoch from at) / 3600)::int`.as('hour'), sql<number>`count(*)::int`.as('n')])
      .where('at', '>=', firstHour).where('at', '<=', now).where('event', 'like', 'signin.%').where('outcome', '=', 'failure')
      .groupBy(sql`1`).execute(),
    db.selectFrom('login_failures').select(sql<number>`count(*)::int`.as('n')).where('locked_until', '>', now).executeTakeFirst(),
    db.selectFrom('audit_events').select(sql<number>`count(*)::int`.as('n'))
      .where('at', '>=', dayStart).where('at', '<=', now).where('event', 'in', smsEvents).where('outcome', '=', 'success').executeTakeFirst(),
    container.services.cases.overdueRectifications(overdueCounted + 1),
  ]);
  // Hours since the epoch: independent of the database session's time zone.
  const byHour = new Map(failures.map((f) => [Number(f.hour) * hourMs, Number(f.n)]));
  const signInsPerMethod = Object.fromEntries(methods.map((m) => [m, Number(perMethod.find((r) => r.event === m)?.n ?? 0)])) as DashboardNumbers['signInsPerMethod'];
  const failuresPerHour = Array.from({ length: 24 }, (_, i) => {
    const start = firstHour.getTime() + i * hourMs;
    return { hour: String(new Date(start + shanghaiOffsetMs).getUTCHours()).padStart(2, '0'), count: byHour.get(start) ?? 0 };
  });
  return { signInsPerMethod, failuresPerHour, locksNow: Number(locks?.n ?? 0), smsToday: Number(sms?.n ?? 0), overdue };
}

export async function dashboardModel(container: Pick<Container, 'database' | 'clock' | 'services' | 'config'>, msg: Msg, formatAt: (date: Date) => string): Promise<Record<string, unknown>> {
  const numbers = await dashboardNumbers(container, container.clock.now());
  const methodTitle = msg('console.dash.per_method');
  const failureTitle = msg('console.dash.failures');
  return {
    methodChart: barChart(methodTitle, methods.map((m) => ({ label: msg(`account.event.${m}`), value: numbers.signInsPerMethod[m] }))),
    failureChart: barChart(failureTitle, numbers.failuresPerHour.map((h) => ({ label: h.hour, value: h.count }))),
    methodTitle,
    failureTitle,
    locksNow: numbers.locksNow,
    smsToday: numbers.smsToday,
    smsLimits: container.config.sms,
    overdueCount: numbers.overdue.length > overdueCounted ? `${overdueCounted}+` : String(numbers.overdue.length),
    overdue: numbers.overdue.slice(0, overdueShown).map((o) => ({ clientId: o.clientId, caseNo: o.caseNo, service: o.service, due: formatAt(o.dueAt) })),
    upstreams: container.services.upstreamHealth.summary().map((u) => ({
      name: msg(`console.upstream.${u.upstream}`),
      calls: u.calls,
      failures: u.failures,
      status: u.calls === 0 ? msg('console.dash.no_calls') : u.failures / u.calls > 0.2 ? msg('console.dash.degraded') : msg('console.dash.healthy'),
      lastError: u.lastErrorClass ?? '',
      medianMs: u.medianMs ?? '',
    })),
  };
}
