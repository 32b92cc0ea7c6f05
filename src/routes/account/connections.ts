// 亲情号 (bind, with a captcha and a daily limit, and unbind family numbers) and 办事 / 收藏 (the
// catalogue of public services with favourites and missing levels). 账号关联 lives in links.ts.

import type Router from '@koa/router';
import { setFavourite } from '../../flows/account-centre/catalogue.js';
import { bindFamilyMember, unbindFamilyMember } from '../../flows/account-centre/family.js';
import { field } from '../../http/body.js';
import { seeOther } from '../../http/redirect.js';
import type { RouteDeps } from '../../pages/deps.js';
import { showFamily, showServices } from '../../pages/account/connections-view.js';
import { accountGuard, centreOf, changeContext, errorView, msg, outcomeView, refusalView } from '../../pages/account/context.js';

export function connectionRoutes(router: Router, deps: RouteDeps): void {
  const { services } = deps;
  const guard = accountGuard(deps);

  router.get('/family', (ctx) => showFamily(ctx, deps));
  router.post('/family/bind', async (ctx) => {
    const form = await guard(ctx);
    const values = {
      certType: field(form, 'certType', 4),
      documentNumber: field(form, 'documentNumber', 64),
      name: field(form, 'name', 64),
      relation: field(form, 'relation', 16),
    };
    const captcha = { captchaId: field(form, 'captchaId', 64), captchaAnswer: field(form, 'captcha', 16) };
    const outcome = await bindFamilyMember(services, centreOf(ctx).account.id, { ...values, ...captcha }, changeContext(ctx));
    if (outcome.kind === 'bound') return showFamily(ctx, deps, { notice: msg(ctx, 'account.family.bound_ok', { name: outcome.name }) });
    await showFamily(ctx, deps, { ...refusalView(ctx, outcome), values });
  });
  router.post('/family/unbind', async (ctx) => {
    const form = await guard(ctx);
    const outcome = await unbindFamilyMember(services, centreOf(ctx).account.id, field(form, 'id', 64), changeContext(ctx));
    await showFamily(ctx, deps, outcomeView(ctx, outcome, 'account.family.unbound_ok'));
  });

  router.get('/services', (ctx) => showServices(ctx, deps));
  router.post('/services/favourite', async (ctx) => {
    const form = await guard(ctx);
    const outcome = await setFavourite(services, deps.clients, centreOf(ctx).account.id, field(form, 'clientId', 200), form.on === 'yes');
    if (outcome.kind === 'refused') return showServices(ctx, deps, errorView(ctx, outcome));
    seeOther(ctx, '/account/services');
  });
}
