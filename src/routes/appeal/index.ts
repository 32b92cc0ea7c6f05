// /appeal — 用户申诉: identify, prove it with a face check of that identity (asked server-side),
// then: take over the account registered with the document (证件号码被占用), reclaim a phone by
// SMS (移动电话被占用), or remove the family binding of the document (亲情号解绑). A failed face
// check ends with nothing changed; every outcome is audited. The account of the proven document
// must match its certificate type as well as its number.

import Router from '@koa/router';
import { field, passwordField } from '../../http/body.js';
import { browserIdOf } from '../../http/csrf.js';
import { seeOther } from '../../http/redirect.js';
import { appealFlow, type AppealFacts, type AppealState } from '../../flows/appeal/states.js';
import { appealFacePassed, reclaimPhone, recordFaceCheck, sendAppealCode, startAppeal, takeOverAccount } from '../../flows/appeal/steps.js';
import { formGuardFor, type RouteDeps } from '../../pages/deps.js';
import { appealPage } from '../../pages/appeal/appeal-page.js';
import { faceStepRoutes } from '../../pages/face-step.js';
import { parseIdentityForm } from '../../pages/identity-form.js';
import { flowOfPath, flowPagePosts, identityStepDeps, sealedIdentityFace, stepContext } from '../../pages/recovery/journey.js';

export function appealRoutes(deps: RouteDeps): Router {
  const router = new Router({ prefix: '/appeal' });
  const guard = formGuardFor(deps);
  const steps = { ...identityStepDeps(deps), cipher: deps.secrets.cipher };
  const view = appealPage(deps, (flow) => face.view(flow));
  const load = flowOfPath<AppealState, AppealFacts>(deps, appealFlow);
  const post = flowPagePosts(router, guard, load, view.present);

  router.get('/', async (ctx) => view.page(ctx, { state: 'identify' }));

  router.post('/', async (ctx) => {
    const form = await guard(ctx);
    const type = field(form, 'type', 16);
    const parsed = parseIdentityForm(form, deps.clock.now());
    const outcome = await startAppeal(steps, { type, ...parsed }, { ...stepContext(ctx), browserId: browserIdOf(ctx) });
    if (outcome.kind === 'started') return seeOther(ctx, `/appeal/flow/${outcome.flowId}`);
    await view.identifyAgain(ctx, { ...parsed.values, type }, outcome);
  });

  router.get('/flow/:id', async (ctx) => view.show(ctx, await load(ctx, ['face', 'verified', 'phone_code'])));

  // The face check of the identity the appeal names; every result is audited, a failure changes nothing.
  const face = faceStepRoutes<AppealState, AppealFacts>(router, deps, {
    flow: appealFlow,
    state: 'face',
    ...sealedIdentityFace('/appeal', steps),
    load,
    begin: (ctx) => load(ctx, ['face']),
    show: (ctx, flow, error, status) => view.show(ctx, flow, { error }, status),
    settled: (ctx, flow, result) => recordFaceCheck(steps, flow, result, stepContext(ctx)),
    passed: async (ctx, flow) => view.present(ctx, flow, await appealFacePassed(steps, flow, stepContext(ctx))),
  });

  post('/flow/:id/takeover', ['verified'], (form, flow, ctx) =>
    takeOverAccount(steps, flow, { password: passwordField(form, 'password'), confirmPassword: passwordField(form, 'confirmPassword') }, stepContext(ctx)));
  post('/flow/:id/phone', ['verified', 'phone_code'], (form, flow, ctx) => {
    const answers = { captchaId: field(form, 'captchaId', 64), captchaAnswer: field(form, 'captcha', 16), pow: field(form, 'pow', 4096) };
    return sendAppealCode(steps, flow, { phone: field(form, 'phone', 32), ...answers }, stepContext(ctx));
  });
  post('/flow/:id/phone/verify', ['phone_code'], (form, flow, ctx) => reclaimPhone(steps, flow, field(form, 'code', 12), stepContext(ctx)));

  return router;
}
