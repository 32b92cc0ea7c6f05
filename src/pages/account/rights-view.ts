// The 我的权益单 page: the record (types, status, 参保地, months at once; the amounts once proven), the
// shared re-authentication block while they are hidden, and the 需要实名 / 暂时无法查询 states.

import type { Context } from 'koa';
import { certificateValidDays } from '../../domain/certificate-codes.js';
import { formatYuan } from '../../domain/money.js';
import { loadRecord } from '../../flows/account-centre/rights.js';
import { amountsGrantMinutes, type GrantHolder } from '../../services/rights-certificates.js';
import type { RouteDeps } from '../deps.js';
import { reauthBlock, requestedMethod, type ReauthMethod } from '../reauth-block.js';
import { centreOf, renderCentre } from './context.js';

/** Where the amounts page lives, and where the block's SMS way posts its send. */
const pageUrl = '/account/rights';
const sendAction = '/account/rights/amounts/send';

/** What a page shows besides the record: the amounts, a message, the state of the re-authentication block. */
export interface RightsExtra {
  amounts?: boolean;
  error?: string;
  notice?: string;
  fieldErrors?: Record<string, string>;
  method?: ReauthMethod;
  codeSent?: boolean;
  status?: number;
}

/** The centre session an amounts grant belongs to. */
export function grantHolderOf(ctx: Context): GrantHolder {
  const { session, account } = centreOf(ctx);
  return { accountId: account.id, sessionIdHash: session.idHash };
}

/** 我的权益单 of the signed-in account (503 while the core system cannot be reached). */
export async function showRights(ctx: Context, deps: RouteDeps, extra: RightsExtra = {}): Promise<void> {
  const { services } = deps;
  const loaded = await loadRecord(services, centreOf(ctx).account);
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
    amountsGrant: amounts ? services.rightsCertificates.amountsGrant(grantHolderOf(ctx)) : undefined,
    reauth,
    // The amounts form is ready once a way to prove it is you is on it: the password, or a code already sent.
    ready: reauth !== undefined && (reauth.method === 'pwd' || reauth.codeSent),
    validDays: certificateValidDays,
    grantMinutes: amountsGrantMinutes,
    error: extra.error,
    notice: extra.notice,
    fieldErrors: extra.fieldErrors ?? {},
  }, extra.status);
}
