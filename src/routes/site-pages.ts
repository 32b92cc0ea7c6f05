// 帮助 (questions and answers, the hotline, the service desk) and the two policy texts,
// 《隐私政策》 at /privacy and 《个人证件信息处理规则》 at /privacy/document-rules, read once from config.

import Router from '@koa/router';
import { loadPolicies } from '../config/policies.js';
import { render } from '../http/views.js';
import type { RouteDeps } from '../pages/deps.js';

export function sitePageRoutes(deps: Pick<RouteDeps, 'config' | 'views'>): Router {
  const router = new Router();
  const policies = loadPolicies(deps.config.site.policiesFile);
  router.get('/help', (ctx) => render(ctx, deps.views, 'site/help.njk', { hotline: deps.config.site.hotline }));
  router.get('/privacy', (ctx) => render(ctx, deps.views, 'site/policy.njk', { policy: policies.documents.privacy, version: policies.version }));
  router.get('/privacy/document-rules', (ctx) => render(ctx, deps.views, 'site/policy.njk', { policy: policies.documents['document-rules'], version: policies.version }));
  return router;
}
