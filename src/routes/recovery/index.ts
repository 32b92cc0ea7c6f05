// /recover — 忘记密码: identify (with a captcha), then an SMS code to the account's phone or a face
// check, then a new password (lockout cleared, other sessions and refresh tokens ended). Until a
// factor is proven, an unknown or mismatching identity sees exactly what a known one sees: a
// stand-in masked number of its own (stable per document and name), the same limits, no message.

import Router from '@koa/router';
import { field, passwordField } from '../../http/body.js';
import { browserIdOf } from '../../http/csrf.js';
import { seeOther } from '../../http/redirect.js';
import { recoveryFlow, type RecoveryFacts, type RecoveryState } from '../../flows/recovery/states.js';
import { identify, recoveryFacePassed, sendRecoveryCode, setNewPassword, verifyRecoveryCode } from '../../flows/recovery/steps.js';
import { formGuardFor, type RouteDeps } from '../../pages/deps.js';
import { faceStepRoutes } from '../../pages/face-step.js';
import { parseIdentityForm } from '../../pages/identity-form.js';
import { flowOfPath, flowPagePosts, identityStepDeps, sealedIdentityFace, stepContext } from '../../pages/recovery/journey.js';
import { interactionOf, recoverPage } from '../../pages/recovery/recover-page.js';

export function recoveryRoutes(deps: RouteDeps): Router {
  const router = new Router({ prefix: '/recover' });
  const guard = formGuardFor(deps);
  const steps = identityStepDeps(deps);
  const view = recoverPage(deps, (flow) => face.view(flow));
  const load = flowOfPath<RecoveryState, RecoveryFacts>(deps, recoveryFlow);
  const post = flowPagePosts(router, guard, load, view.present);

  // 人脸识别找回: a check of the identity sealed in the flow; an identity without an account learns
  // that only after passing it.
  const face = faceStepRoutes<RecoveryState, RecoveryFacts>(router, deps, {
    flow: recoveryFlow,
    state: 'face',
    ...sealedIdentityFace('/recover', steps),
    load,
    begin: (ctx) => load(ctx, ['choose', 'sms_sent', 'face']),
    show: (ctx, flow, error, status) => view.show(ctx, flow, { error }, status),
    alternatives: (flow) => [{ href: `/recover/flow/${flow.id}?way=sms`, label: 'face.alt_recover_sms' }],
    passed: async (ctx, flow) => view.present(ctx, flow, await recoveryFacePassed(steps, flow, stepContext(ctx))),
  });

  router.get('/', async (ctx) => view.page(ctx, { state: 'identify' }));

  router.post('/', async (ctx) => {
    const form = await guard(ctx);
    const parsed = parseIdentityForm(form, deps.clock.now());
    const captcha = { captchaId: field(form, 'captchaId', 64), captchaAnswer: field(form, 'captcha', 16) };
    const outcome = await identify(steps, { ...captcha, ...parsed, interactionUid: interactionOf(form.interaction) }, browserIdOf(ctx));
    if (outcome.kind === 'started') return seeOther(ctx, `/recover/flow/${outcome.flowId}`);
    await view.identifyAgain(ctx, parsed.values, outcome, form.interaction);
  });

  router.get('/flow/:id', async (ctx) => {
    const flow = await load(ctx, ['choose', 'sms_sent', 'face', 'verified', 'done']);
    // 改用短信验证码 from a face check: the SMS choice again (the flow moves on when a code is sent)
    await view.show(ctx, flow, flow.state === 'face' && ctx.query.way === 'sms' ? { state: 'choose' } : {});
  });

  post('/flow/:id/sms', ['choose', 'sms_sent', 'face'], (form, flow, ctx) => {
    const answers = { captchaId: field(form, 'captchaId', 64), captchaAnswer: field(form, 'captcha', 16), pow: field(form, 'pow', 4096) };
    return sendRecoveryCode(steps, flow, answers, stepContext(ctx));
  });
  post('/flow/:id/code', ['sms_sent'], (form, flow, ctx) => verifyRecoveryCode(steps, flow, field(form, 'code', 12), stepContext(ctx)));
  post('/flow/:id/password', ['verified'], (form, flow, ctx) =>
    setNewPassword(steps, flow, { password: passwordField(form, 'password'), confirmPassword: passwordField(form, 'confirmPassword') }, stepContext(ctx)));

  return router;
}
