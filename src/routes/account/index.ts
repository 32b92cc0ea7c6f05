// /account — 个人用户中心: a first-party relying party of this provider with its own server-side
// session. Every page needs that session (GET without one starts the sign-in); every POST runs the
// form guard (per-IP limit, bounded body, CSRF) and re-reads the session and the account.

import Router from '@koa/router';
import type { RouteDeps } from '../deps.js';
import { appRoutes } from './apps.js';
import { connectionRoutes } from './connections.js';
import { deleteRoutes } from './delete.js';
import { linkRoutes } from './links.js';
import { phoneRoutes } from './phone.js';
import { profileRoutes } from './profile.js';
import { accountSession } from './session.js';
import { upgradeRoutes } from './upgrades.js';
import { caseRoutes } from './cases.js';
import { rightsRoutes } from './rights.js';

export { accountSession };

export function accountRoutes(deps: RouteDeps): Router {
  const router = new Router({ prefix: '/account' });
  const session = accountSession(deps);
  router.get('/callback', session.callback);
  router.use(session.requireSession);
  router.post('/logout', session.logout);
  profileRoutes(router, deps);
  phoneRoutes(router, deps);
  linkRoutes(router, deps);
  connectionRoutes(router, deps);
  appRoutes(router, deps);
  upgradeRoutes(router, deps);
  caseRoutes(router, deps);
  rightsRoutes(router, deps);
  deleteRoutes(router, deps);
  return router;
}
