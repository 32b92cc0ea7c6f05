// 我的权益单: the personal rights record of social insurance from the core system, for 实名 and
// above (a 注册用户 is told why and how to upgrade; a POST from one is a 403 page). Insurance types,
// status, 参保地 and months show at once; the amounts only after the shared re-authentication block
// (the password again, or a code sent to the bound phone), each attempt audited without amounts; the
// download as a verifiable PDF, with amounts only within minutes of that check. An unreachable core
// system is a clear 暂时无法查询 page, never a 500.

import type Router from '@koa/router';
import type { Context } from 'koa';
import type { RightsRecord } from '../../adapters/rights-record/types.js';
import { certificateValidDays } from '../../domain/certificate-codes.js';
import { levelRank } from '../../domain/levels.js';
import { formatYuan } from '../../domain/money.js';
import { AppError, RateLimitedError, UpstreamError, ValidationError } from '../../errors/app-error.js';
import { smsCodeNeedsResend } from '../../flows/steps/sms-code.js';
import type { AccountView } from '../../services/accounts.js';
import { amountsGrantMinutes } from '../../services/rights-certificates.js';
import type { RouteDeps } from '../../pages/deps.js';
import { reauthBlock, reauthProofFrom, requestedMethod, sendReauthCodeForPage, type ReauthMethod } from '../../pages/reauth-block.js';
import { accountGuard, centreOf, changeContext, formError, formatTime, msg, renderCentre } from '../../pages/account/context.js';
import { requestState } from '../../http/state.js';

type Loaded = { kind: 'needs_real_name' } | { kind: 'unavailable' } | { kind: 'loaded'; record: RightsRecord | undefined; name: string; documentNumber: string };

/** What a page shows besides the record: the amounts, a message, the state of the re-authentication block. */
interface Shown {
  amounts?: boolean;
  error?: string;
  notice?: string;
  fieldErrors?: Record<string, string>;
  method?: ReauthMethod;
  codeSent?: boolean;
  status?: number;
}

/** The record is for 实名 and above, with a document to ask the core system about. */
const mayHaveRecord = (account: AccountView) => levelRank(account.level) >= levelRank('real_name') && Boolean(account.certType) && Boolean(account.documentNumber);

/** Where the amounts page lives, and where the block's SMS way posts its send. */
const pageUrl = '/account/rights';
const sendAction = '/account/rights/amounts/send';

export function rightsRoutes(router: Router, deps: RouteDeps): void {
  const { services } = deps;
  const guard = accountGuard(deps);

  /** The signed-in citizen's record, or why there is none to show. */
  const load = async (ctx: Context): Promise<Loaded> => {
    const { account } = centreOf(ctx);
    if (!mayHaveRecord(account) || !account.certType || !account.documentNumber) return { kind: 'needs_real_name' };
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

  const show = async (ctx: Context, extra: Shown = {}) => {
    const loaded = await load(ctx);
    if (loaded.kind === 'needs_real_name') return renderCentre(ctx, deps, 'account/rights.njk', 'rights', { needsRealName: true }, extra.status);
    if (loaded.kind === 'unavailable') return renderCentre(ctx, deps, 'account/rights.njk', 'rights', { unavailable: true }, 503);
    const { record } = loaded;
    const amounts = extra.amounts === true;
    // The re-authentication block while the amounts are still hidden (there are some to show).
    const reauth = record && !amounts
      ? await reauthBlock(deps, centreOf(ctx).account.id, { method: extra.method ?? requestedMethod(ctx), codeSent: extra.codeSent === true, sendAction, pageUrl })
      : undefined;
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
      reauth,
      // The amounts form is ready once a way to prove it is you is on it: the password, or a code already sent.
      ready: reauth !== undefined && (reauth.method === 'pwd' || reauth.codeSent),
      validDays: certificateValidDays,
      grantMinutes: amountsGrantMinutes,
      error: extra.error,
      notice: extra.notice,
      fieldErrors: extra.fieldErrors ?? {},
    }, extra.status);
  };

  router.get('/rights', (ctx) => show(ctx));

  /** 获取验证码 for the amounts: the block's send form (captcha and proof of work), then the SMS service's per-number and per-IP limits. */
  router.post('/rights/amounts/send', async (ctx) => {
    const form = await guard(ctx);
    const { account } = centreOf(ctx);
    if (!mayHaveRecord(account)) return show(ctx, { status: 403 });
    const sent = await sendReauthCodeForPage(deps, ctx, account.id, form, 'rights');
    return show(ctx, { ...sent.state, status: sent.status });
  });

  /**
   * The amounts, after the block's proof: the password (counted under the account's sign-in
   * lockout) or the code just sent. Every attempt is audited with its method and, on failure, why;
   * never with an amount or anything personal.
   */
  router.post('/rights/amounts', async (ctx) => {
    const form = await guard(ctx);
    const { account } = centreOf(ctx);
    if (!mayHaveRecord(account)) return show(ctx, { status: 403 });
    const proof = reauthProofFrom(form, 'rights');
    const audit = (outcome: 'success' | 'failure', details: Record<string, string> = {}) =>
      services.audit.record({ event: 'account.rights_viewed', outcome, subject: account.id, ...changeContext(ctx), details: { method: proof.method, ...details } });
    try {
      await services.reauth.verify(account.id, proof);
    } catch (err) {
      const shown = formError(ctx, err);
      if (!shown) throw err;
      const reason = err instanceof AppError && err.code === 'signin.locked' ? 'locked' : proof.method === 'pwd' ? 'password' : 'sms_code';
      await audit('failure', { reason });
      // A wrong code may be tried again; an expired or exhausted one needs a new code.
      const codeSent = proof.method === 'sms' && !(err instanceof ValidationError && smsCodeNeedsResend(err.code));
      const message = shown.field ? { fieldErrors: { [shown.field]: shown.message } } : { error: shown.message };
      return show(ctx, { method: proof.method, codeSent, ...message, status: shown.status });
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
