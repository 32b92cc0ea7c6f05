// 更换手机号 as a flow: prove the holder with the old phone's SMS code, or with a face check of the
// account's own identity (only for 实名 / 实人 accounts: the check needs a registry-matched name and
// document), then verify the new phone's code; the audit record says which way was used.
// The steps live in flows/account-centre/change-phone.ts, the page in pages/account/phone-view.ts.

import type Router from '@koa/router';
import {
  changePhoneStep, loadOwnPhoneFlow, phoneFacePassed, recordPhoneFaceCheck, resumePhoneFlow, startPhoneFaceFlow,
} from '../../flows/account-centre/change-phone.js';
import { changePhoneFlow, type ChangePhoneFacts, type ChangePhoneState } from '../../flows/account-centre/states.js';
import { field } from '../../http/body.js';
import { seeOther } from '../../http/redirect.js';
import type { RouteDeps } from '../../pages/deps.js';
import { faceStepRoutes, type MountedFaceStep } from '../../pages/face-step.js';
import { accountGuard, centreOf, changeContext, msg } from '../../pages/account/context.js';
import { phoneHolderOf, presentPhone, showPhone } from '../../pages/account/phone-view.js';

export function phoneRoutes(router: Router, deps: RouteDeps): void {
  const { services } = deps;
  const guard = accountGuard(deps);

  router.get('/phone', async (ctx) => {
    const id = typeof ctx.query.flow === 'string' ? ctx.query.flow : '';
    if (!id) return showPhone(ctx, deps, faceStep);
    await presentPhone(ctx, deps, faceStep, await resumePhoneFlow(services, phoneHolderOf(ctx), id));
  });

  // 人脸识别验证 instead of the old phone's code: a check of the account's own identity.
  const faceStep: MountedFaceStep<ChangePhoneState, ChangePhoneFacts> = faceStepRoutes<ChangePhoneState, ChangePhoneFacts>(router, deps, {
    flow: changePhoneFlow,
    state: 'face',
    paths: { start: '/phone/face', status: '/phone/face/status', continue: '/phone/face/continue' },
    urls: (flow) => ({ status: `/account/phone/face/status?flow=${flow.id}`, continue: '/account/phone/face/continue', retry: '/account/phone/face' }),
    load: (ctx, states, form) =>
      loadOwnPhoneFlow(services, phoneHolderOf(ctx), form.flow ?? (typeof ctx.query.flow === 'string' ? ctx.query.flow : ''), states),
    begin: async (ctx, form) => {
      if (form.flow) return loadOwnPhoneFlow(services, phoneHolderOf(ctx), form.flow, ['face']);
      const started = await startPhoneFaceFlow(services, phoneHolderOf(ctx));
      if (started.kind === 'started') return started.flow;
      await showPhone(ctx, deps, faceStep, { error: msg(ctx, started.code), status: started.status });
      return undefined;
    },
    identity: (ctx) => services.assurance.identityOf(centreOf(ctx).account.id),
    alternatives: () => [{ href: '/account/phone', label: 'face.alt_phone_sms' }],
    show: (ctx, flow, error, status) => showPhone(ctx, deps, faceStep, { flow, error, status }),
    pageUrl: (flow) => `/account/phone?flow=${flow.id}`,
    settled: (ctx, flow, result) => recordPhoneFaceCheck(services, flow, result, changeContext(ctx)),
    passed: async (ctx, flow) => seeOther(ctx, `/account/phone?flow=${(await phoneFacePassed(services, flow)).id}`),
  });

  router.post('/phone', async (ctx) => {
    const form = await guard(ctx);
    const input = {
      action: field(form, 'action', 20),
      flow: field(form, 'flow', 64),
      phone: field(form, 'phone', 32),
      code: field(form, 'code', 12),
      captchaId: field(form, 'captchaId', 64),
      captchaAnswer: field(form, 'captcha', 16),
      pow: field(form, 'pow', 4096),
    };
    const result = await changePhoneStep({ services, cipher: deps.secrets.cipher }, phoneHolderOf(ctx), input, changeContext(ctx));
    await presentPhone(ctx, deps, faceStep, result, input.phone);
  });
}
