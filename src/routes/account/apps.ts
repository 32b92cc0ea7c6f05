// 已授权应用 (grants held by relying parties; revoking destroys the grant and every token issued
// under it) and 登录记录 (recent sign-ins from the audit trail, live provider sessions and
// user-centre sessions, each with 退出).

import type Router from '@koa/router';
import { field } from '../../http/body.js';
import { endCentreSession, endProviderSession, revokeApp } from '../../flows/account-centre/apps.js';
import type { RouteDeps } from '../../pages/deps.js';
import { showActivity, showApps } from '../../pages/account/apps-view.js';
import { accountGuard, centreOf, changeContext, outcomeView } from '../../pages/account/context.js';

export function appRoutes(router: Router, deps: RouteDeps): void {
  const guard = accountGuard(deps);
  const steps = { services: deps.services, provider: deps.oidc.provider };

  router.get('/apps', (ctx) => showApps(ctx, deps));
  router.post('/apps/revoke', async (ctx) => {
    const form = await guard(ctx);
    const outcome = await revokeApp(steps, centreOf(ctx).account.id, field(form, 'client', 200), changeContext(ctx));
    await showApps(ctx, deps, outcomeView(ctx, outcome, 'account.apps.revoked'));
  });

  router.get('/activity', (ctx) => showActivity(ctx, deps));
  router.post('/activity/end-session', async (ctx) => {
    const form = await guard(ctx);
    const outcome = await endProviderSession(steps, centreOf(ctx).account.id, field(form, 'session', 100), changeContext(ctx));
    await showActivity(ctx, deps, outcomeView(ctx, outcome, 'account.activity.ended'));
  });
  router.post('/activity/end-centre-session', async (ctx) => {
    const form = await guard(ctx);
    const { account, session } = centreOf(ctx);
    const outcome = await endCentreSession(deps.services, { accountId: account.id, idHash: session.idHash }, field(form, 'session', 100), changeContext(ctx));
    await showActivity(ctx, deps, outcomeView(ctx, outcome, 'account.activity.ended'));
  });
}
