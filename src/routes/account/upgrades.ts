// Level upgrades from the user centre: 基本信息修改 (注册用户 → 实名用户 only: name and document checked
// with the population registry after re-authentication and a captcha; fixed once matched) and
// 人脸识别 (实名用户 → 实人用户: a face check of the account's own identity, asked server-side).
// Steps: flows/account-centre/upgrades.ts; pages: pages/account/upgrades-view.ts.

import type Router from '@koa/router';
import { correctRealName, faceUpgradePassed, loadOwnFaceFlow, startFaceUpgrade } from '../../flows/account-centre/upgrades.js';
import { accountFaceFlow, type AccountFaceFacts, type AccountFaceState } from '../../flows/account-centre/face.js';
import { field } from '../../http/body.js';
import { seeOther } from '../../http/redirect.js';
import type { RouteDeps } from '../../pages/deps.js';
import { faceStepRoutes, type MountedFaceStep } from '../../pages/face-step.js';
import { reauthProofFrom, sendReauthCodeForPage } from '../../pages/reauth-block.js';
import { accountGuard, centreOf, changeContext, reauthRefusalView } from '../../pages/account/context.js';
import { showFaceUpgrade, showRealName, upgradeHolderOf } from '../../pages/account/upgrades-view.js';

export function upgradeRoutes(router: Router, deps: RouteDeps): void {
  const { services } = deps;
  const guard = accountGuard(deps);

  router.get('/profile/real-name', (ctx) => showRealName(ctx, deps));

  /** The SMS way of proving it is you: a code to the bound phone, after the send form's captcha. */
  router.post('/profile/real-name/send', async (ctx) => {
    const form = await guard(ctx);
    const { account } = centreOf(ctx);
    if (!(await services.assurance.canCorrectRealName(account.id))) return showRealName(ctx, deps);
    const sent = await sendReauthCodeForPage(deps, ctx, account.id, form, 'reauth');
    return showRealName(ctx, deps, { ...sent.state, status: sent.status });
  });

  router.post('/profile/real-name', async (ctx) => {
    const form = await guard(ctx);
    const values = { certType: field(form, 'certType', 4), documentNumber: field(form, 'documentNumber', 64), name: field(form, 'name', 64) };
    const input = { ...values, captchaId: field(form, 'captchaId', 64), captchaAnswer: field(form, 'captcha', 16), reauth: reauthProofFrom(form, 'reauth') };
    const outcome = await correctRealName(services, centreOf(ctx).account.id, input, changeContext(ctx));
    if (outcome.kind === 'done') return seeOther(ctx, '/account');
    const conflict = outcome.conflictAppeal !== undefined ? { conflictAppeal: outcome.conflictAppeal } : {};
    await showRealName(ctx, deps, { ...reauthRefusalView(ctx, outcome), values, ...conflict });
  });

  router.get('/face', async (ctx) => showFaceUpgrade(ctx, deps, faceStep, typeof ctx.query.flow === 'string' ? ctx.query.flow : undefined));

  // 实名用户 → 实人用户: a check of the account's own identity; a pass is recorded as a proof.
  const faceStep: MountedFaceStep<AccountFaceState, AccountFaceFacts> = faceStepRoutes<AccountFaceState, AccountFaceFacts>(router, deps, {
    flow: accountFaceFlow,
    state: 'face',
    paths: { start: '/face/start', status: '/face/status', continue: '/face/continue' },
    urls: (flow) => ({ status: `/account/face/status?flow=${flow.id}`, continue: '/account/face/continue', retry: '/account/face/start' }),
    load: (ctx, states, form) =>
      loadOwnFaceFlow(services, upgradeHolderOf(ctx), form.flow ?? (typeof ctx.query.flow === 'string' ? ctx.query.flow : ''), states),
    begin: async (ctx) => {
      const started = await startFaceUpgrade(services, upgradeHolderOf(ctx));
      if (started.kind === 'started') return started.flow;
      await showFaceUpgrade(ctx, deps, faceStep, undefined, {}, 400);
      return undefined;
    },
    identity: (ctx) => services.assurance.identityOf(centreOf(ctx).account.id),
    show: (ctx, flow, error, status) => showFaceUpgrade(ctx, deps, faceStep, flow.facts.certifyUrl ? flow.id : undefined, { error }, status),
    pageUrl: (flow) => `/account/face?flow=${flow.id}`,
    passed: async (ctx, flow) => {
      await faceUpgradePassed(services, flow, changeContext(ctx));
      seeOther(ctx, '/account');
    },
  });
}
