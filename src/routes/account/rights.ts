// 我的权益单: the personal rights record of social insurance from the core system, for 实名 and
// above (a 注册用户 is told why and how to upgrade; a POST from one is a 403 page). Insurance types,
// status, 参保地 and months show at once; the amounts only after the shared re-authentication block
// (the password again, or a code sent to the bound phone), each attempt audited without amounts; the
// download as a verifiable PDF, with amounts only within minutes of that check. An unreachable core
// system is a clear 暂时无法查询 page, never a 500. Steps: flows/account-centre/rights.ts.

import type Router from '@koa/router';
import { issueCertificate, loadRecord, mayHaveRecord, proveForAmounts } from '../../flows/account-centre/rights.js';
import { requestState } from '../../http/state.js';
import type { RouteDeps } from '../../pages/deps.js';
import { reauthProofFrom, sendReauthCodeForPage } from '../../pages/reauth-block.js';
import { accountGuard, centreOf, changeContext, errorView, formatTime, reauthRefusalView } from '../../pages/account/context.js';
import { grantHolderOf, showRights } from '../../pages/account/rights-view.js';

export function rightsRoutes(router: Router, deps: RouteDeps): void {
  const { services } = deps;
  const guard = accountGuard(deps);

  router.get('/rights', (ctx) => showRights(ctx, deps));

  /** 获取验证码 for the amounts: the block's send form (captcha and proof of work), then the SMS service's per-number and per-IP limits. */
  router.post('/rights/amounts/send', async (ctx) => {
    const form = await guard(ctx);
    const { account } = centreOf(ctx);
    if (!mayHaveRecord(account)) return showRights(ctx, deps, { status: 403 });
    const sent = await sendReauthCodeForPage(deps, ctx, account.id, form, 'rights');
    return showRights(ctx, deps, { ...sent.state, status: sent.status });
  });

  /** The amounts, after the block's proof (the password or the code just sent); every attempt audited. */
  router.post('/rights/amounts', async (ctx) => {
    const form = await guard(ctx);
    const outcome = await proveForAmounts(services, centreOf(ctx).account, reauthProofFrom(form, 'rights'), changeContext(ctx));
    if (outcome.kind === 'needs_real_name') return showRights(ctx, deps, { status: 403 });
    await showRights(ctx, deps, outcome.kind === 'done' ? { amounts: true } : reauthRefusalView(ctx, outcome));
  });

  /** 下载权益单: the PDF, with amounts only when the form carries this session's fresh grant; rate limited and audited by the service. */
  router.post('/rights/certificate', async (ctx) => {
    const form = await guard(ctx);
    const loaded = await loadRecord(services, centreOf(ctx).account);
    const { ip, requestId } = requestState(ctx);
    const issued = await issueCertificate(services, loaded, { grant: form.grant, holder: grantHolderOf(ctx), ip, requestId });
    if (issued.kind === 'no_record') return showRights(ctx, deps, { status: issued.status });
    if (issued.kind === 'refused') {
      if (issued.retryAfterSeconds !== undefined) ctx.set('Retry-After', String(issued.retryAfterSeconds));
      return showRights(ctx, deps, errorView(ctx, issued));
    }
    ctx.attachment(`rights-record-${formatTime(deps.clock.now()).slice(0, 10).replace(/-/g, '')}.pdf`);
    ctx.type = 'application/pdf';
    ctx.body = issued.pdf;
  });
}
