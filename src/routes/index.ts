// src/routes/: the routers, thin (parse, call a flow step, authenticator or service, present with pages/); a router imports pages/, flows/, authenticators/, services/, http/, domain/, errors/, i18n/, oidc/, config/, never another router.
// This file is the one list of the page and API routers in mounting order (the only file here that
// imports the others); the user centre's routers share one /account router behind its session.

import Router from '@koa/router';
import { consoleRoutes } from '../console/routes.js';
import { appSimulatorRoutes } from '../mocks/app-simulator.js';
import { accountSession } from '../pages/account/session.js';
import type { Container } from '../container.js';
import type { RouteDeps } from '../pages/deps.js';
import { appRoutes } from './account/apps.js';
import { caseRoutes } from './account/cases.js';
import { connectionRoutes } from './account/connections.js';
import { deleteRoutes } from './account/delete.js';
import { linkRoutes } from './account/links.js';
import { phoneRoutes } from './account/phone.js';
import { profileRoutes } from './account/profile.js';
import { rightsRoutes } from './account/rights.js';
import { upgradeRoutes } from './account/upgrades.js';
import { appQrRoutes } from './app-api/qr.js';
import { appealRoutes } from './appeal/index.js';
import { casesApiRoutes } from './cases-api.js';
import { devRoutes } from './dev.js';
import { federatedRoutes } from './federated/index.js';
import { bindPhoneRoutes } from './interaction/bind-phone.js';
import { interactionRoutes } from './interaction/index.js';
import { interactionQrRoutes } from './interaction/qr.js';
import { logoutRoutes } from './logout.js';
import { qrLandingRoutes } from './qr-landing.js';
import { deskResetRoutes } from './recovery/desk.js';
import { recoveryRoutes } from './recovery/index.js';
import { appRegistrationRoutes } from './registration/app-api.js';
import { registrationRoutes } from './registration/web.js';
import { sitePageRoutes } from './site-pages.js';
import { stepUpRoutes } from './step-up/index.js';
import { verifyRoutes } from './verify.js';

/** 个人用户中心: one /account router; every page after the session check, each section registering its own routes. */
function accountRoutes(deps: RouteDeps): Router {
  const router = new Router({ prefix: '/account' });
  const session = accountSession(deps);
  router.get('/callback', session.callback);
  router.use(session.requireSession);
  router.post('/logout', session.logout);
  for (const section of [profileRoutes, phoneRoutes, linkRoutes, connectionRoutes, appRoutes, upgradeRoutes, caseRoutes, rightsRoutes, deleteRoutes]) section(router, deps);
  return router;
}

/** Every page and API router, in the order they are mounted (the development-only ones outside production). */
export function pageRouters(deps: Container): Router[] {
  const production = deps.config.env === 'production';
  return [
    interactionRoutes(deps),
    interactionQrRoutes(deps),
    bindPhoneRoutes(deps),
    federatedRoutes(deps),
    appQrRoutes(deps),
    casesApiRoutes(deps),
    qrLandingRoutes(deps),
    ...(production ? [] : [appSimulatorRoutes(deps)]),
    stepUpRoutes(deps),
    registrationRoutes(deps),
    accountRoutes(deps),
    appRegistrationRoutes(deps),
    deskResetRoutes(deps),
    recoveryRoutes(deps),
    appealRoutes(deps),
    logoutRoutes(deps),
    consoleRoutes(deps),
    sitePageRoutes(deps),
    verifyRoutes(deps),
    ...(production ? [] : [devRoutes(deps)]),
  ];
}
