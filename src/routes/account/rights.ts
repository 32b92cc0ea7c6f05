// 我的权益单: the personal rights record of social insurance from the core system, for 实名 and
// above (a 注册用户 is told why and how to upgrade). Insurance types, status, 参保地 and months show
// at once; the amounts only after the password is checked again, each view audited; the download
// as a verifiable PDF, with amounts only within minutes of that check. An unreachable core system
// is a clear 暂时无法查询 page, never a 500.

import type Router from '@koa/router';
import type { Context } from 'koa';
import type { RightsRecord } from '../../adapters/rights-record/types.js';
import { certificateValidDays } from '../../domain/certificate-codes.js';
import { levelRank } from '../../domain/levels.js';
import { formatYuan } from '../../domain/money.js';
import { RateLimitedError, UpstreamError } from '../../errors/app-error.js';
import { amountsGrantMinutes } from '../../services/rights-certificates.js';
import type { RouteDeps } from '../deps.js';
import { accountGuard, centreOf, changeContext, formError, formatTime, msg, renderCentre } from './context.js';
import { requestState } from '../../http/state.js';

type Loaded = { kind: 'needs_real_name' } | { kind: 'unavailable' } | { kind: 'loaded'; record: RightsRecord | undefined; name: string; documentNumber: string };

export function rightsRoutes(router: Router, deps: RouteDeps): void {
  const { services } = deps;
  const guard = accountGuard(deps);

  /** The signed-in citizen's record, or why there is none to show. */
  const load = async (ctx: Context): Promise<Loaded> => {
    const { account } = centreOf(ctx);
    if (levelRank(account.level) < levelRank('real_name') || !account.certType || !account.documentNumber) return { kind: 'needs_real_name' };
    try {
      const record = await services.rights.recordFor(account.certType, account.documentNumber);
      return { kind: 'loaded', record, name: account.name ?? '', documentNumber: account.documentNumber };
    } catch (err) {
      if (!(err instanceof UpstreamError)) throw err;
      return { kind: 'unavailable' };
    }
  };

  const grantHolder = (ctx: Context) => {
    const { session, account } = centreOf(ctx);
    return { accountId: account.id, sessionIdHash: session.idHash };
  };

  const show = async (ctx: Context, extra: { amounts?: boolean; error?: string; status?: number } = {}) => {
    const loaded = await load(ctx);
    if (loaded.kind === 'needs_real_name') return renderCentre(ctx, deps, 'account/rights.njk', 'rights', { needsRealName: true }, extra.status);
    if (loaded.kind === 'unavailable') return renderCentre(ctx, deps, 'account/rights.njk', 'rights', { unavailable: true }, 503);
    const { record } = loaded;
    const amounts = extra.amounts === true;
    renderCentre(ctx, deps, 'account/rights.njk', 'rights', {
      record: record
        ? {
          insurances: record.insurances.map((i) => ({
            label: `rights.type.${i.type}`,
            status: `rights.status.${i.status}`,
            place: i.place,
            firstMonth: i.firstMonth,
            months: i.months,
            balance: amounts && i.accountBalance !== undefined ? formatYuan(i.accountBalance) : undefined,
            hasBalance: i.accountBalance !== undefined,
          })),
          years: amounts ? record.years.map((y) => ({ year: y.year, base: formatYuan(y.base), months: y.months })) : [],
          benefits: amounts ? record.benefits.map((b) => ({ kind: b.kind, amount: formatYuan(b.amount), period: b.period })) : [],
        }
        : undefined,
      amounts,
      amountsGrant: amounts ? services.rightsCertificates.amountsGrant(grantHolder(ctx)) : undefined,
      validDays: certificateValidDays,
      grantMinutes: amountsGrantMinutes,
      error: extra.error,
    }, extra.status);
  };

  router.get('/rights', (ctx) => show(ctx));

  /** The amounts, after the password again (counted under the account's sign-in lockout); audited either way. */
  router.post('/rights/amounts', async (ctx) => {
    const form = await guard(ctx);
    const { account } = centreOf(ctx);
    if (levelRank(account.level) < levelRank('real_name')) return show(ctx);
    const audit = (outcome: 'success' | 'failure') =>
      services.audit.record({ event: 'account.rights_viewed', outcome, subject: account.id, ...changeContext(ctx), details: { method: 'pwd' } });
    try {
      await services.reauth.verify(account.id, { method: 'pwd', password: typeof form.password === 'string' ? form.password.slice(0, 128) : '' });
    } catch (err) {
      const shown = formError(ctx, err);
      if (!shown) throw err;
      await audit('failure');
      return show(ctx, { error: shown.message, status: shown.status });
    }
    await audit('success');
    await show(ctx, { amounts: true });
  });

  /** 下载权益单: the PDF, with amounts only when the form carries this session's fresh grant; rate limited and audited by the service. */
  router.post('/rights/certificate', async (ctx) => {
    const form = await guard(ctx);
    const loaded = await load(ctx);
    if (loaded.kind !== 'loaded' || !loaded.record) return show(ctx, { status: loaded.kind === 'needs_real_name' ? 403 : 404 });
    const asksAmounts = form.grant !== undefined && form.grant !== '';
    if (asksAmounts && !services.rightsCertificates.amountsGranted(form.grant, grantHolder(ctx))) {
      return show(ctx, { error: msg(ctx, 'rights.cert.amounts_stale'), status: 400 });
    }
    const state = requestState(ctx);
    let issued: { pdf: Buffer; code: string };
    try {
      issued = await services.rightsCertificates.issue({
        accountId: centreOf(ctx).account.id,
        name: loaded.name,
        documentNumber: loaded.documentNumber,
        record: loaded.record,
        amounts: asksAmounts,
        ip: state.ip,
        requestId: state.requestId,
      });
    } catch (err) {
      if (!(err instanceof RateLimitedError)) throw err;
      ctx.set('Retry-After', String(err.retryAfterSeconds));
      return show(ctx, { error: msg(ctx, err.code, err.params), status: 429 });
    }
    ctx.attachment(`rights-record-${formatTime(deps.clock.now()).slice(0, 10).replace(/-/g, '')}.pdf`);
    ctx.type = 'application/pdf';
    ctx.body = issued.pdf;
  });
}
