// 注销账号 (/account/delete): what goes and what the law keeps, a confirmation box and the shared
// re-authentication block; on success the account is deleted, the relying parties of its sessions
// get back-channel logout tokens, this browser's cookies end and a page says it is done.

import type Router from '@koa/router';
import { deleteAccount } from '../../flows/account-centre/deletion.js';
import { requestState } from '../../http/state.js';
import { render } from '../../http/views.js';
import type { RouteDeps } from '../../pages/deps.js';
import { reauthProofFrom, sendReauthCodeForPage } from '../../pages/reauth-block.js';
import { accountGuard, centreOf, changeContext, reauthRefusalView } from '../../pages/account/context.js';
import { endBrowserSessions, showDelete } from '../../pages/account/delete-view.js';

export function deleteRoutes(router: Router, deps: RouteDeps): void {
  const guard = accountGuard(deps);

  router.get('/delete', (ctx) => showDelete(ctx, deps));

  /** The SMS way of the block: a code to the bound phone after the send form's captcha (SMS limits apply). */
  router.post('/delete/send', async (ctx) => {
    const form = await guard(ctx);
    const sent = await sendReauthCodeForPage(deps, ctx, centreOf(ctx).account.id, form, 'reauth');
    return showDelete(ctx, deps, { ...sent.state, status: sent.status });
  });

  router.post('/delete', async (ctx) => {
    const form = await guard(ctx);
    const input = { confirmed: form.confirm === 'yes', reauth: reauthProofFrom(form, 'reauth') };
    const steps = { services: deps.services, provider: deps.oidc.provider, log: requestState(ctx).log };
    const outcome = await deleteAccount(steps, centreOf(ctx).account.id, input, changeContext(ctx));
    if (outcome.kind === 'refused') return showDelete(ctx, deps, { ...reauthRefusalView(ctx, outcome), confirmed: outcome.confirmed });
    endBrowserSessions(ctx, deps);
    render(ctx, deps.views, 'account/deleted.njk', {});
  });
}
