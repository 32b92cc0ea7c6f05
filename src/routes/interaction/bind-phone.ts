// The bind-a-phone requirement after a first upstream sign-in, before the interaction finishes:
//   GET  /interaction/:uid/bind-phone?flow=…   手机号码 + 图形验证码 → 获取验证码; the number the upstream
//        has on record (江苏政务), if any, is offered masked (使用江苏政务登记的手机号 138****1234) and kept
//        sealed in the flow: choosing it (phone_choice=upstream) sends its code like a typed number
//   POST /interaction/:uid/bind-phone/send      (captcha first; a number used elsewhere gets a notice, not a code)
//   POST /interaction/:uid/bind-phone/verify    短信验证码 → phone bound → sign-in finishes (a conflict → 用户申诉 link)

import Router from '@koa/router';
import type { Context } from 'koa';
import { maskPhone } from '../../domain/masking.js';
import { parseMobile } from '../../domain/phone.js';
import { RateLimitedError, ValidationError } from '../../errors/app-error.js';
import { FlowError, type Flow } from '../../flows/engine/store.js';
import { bindPhoneFlow, offeredPhoneAad, type BindPhoneFacts } from '../../flows/login/federated.js';
import { verifySmsCode } from '../../flows/steps/sms-code.js';
import { field } from '../../http/body.js';
import { browserIdOf } from '../../http/csrf.js';
import { render } from '../../http/views.js';
import { t } from '../../i18n/index.js';
import { ConflictError } from '../../services/accounts.js';
import { formGuardFor, type RouteDeps } from '../../pages/deps.js';
import { loadInteraction } from '../../pages/interaction/details.js';
import { finishLogin } from '../../pages/interaction/finish.js';
import { requestState } from '../../http/state.js';

const phoneAad = 'flows.login-bind-phone.phone';
type BindFlow = Flow<'required' | 'code_sent' | 'done', BindPhoneFacts>;

interface PageModel {
  step: 'send' | 'verify';
  error?: string;
  fieldErrors?: Record<string, string>;
  phone?: string;
  /** Which number the citizen chose: the upstream's (the default when there is one) or another. */
  phoneChoice?: 'upstream' | 'other';
  appeal?: boolean;
  notice?: string;
  status?: number;
}

export function bindPhoneRoutes(deps: RouteDeps): Router {
  const router = new Router({ prefix: '/interaction/:uid/bind-phone' });
  const { services } = deps;
  const guard = formGuardFor(deps);
  const state = (ctx: Context) => requestState(ctx);
  const message = (ctx: Context, code: string, params: Record<string, string | number> = {}) => t(state(ctx).locale, code, params);

  async function loadFlow(ctx: Context, uid: string, id: string, expected: ReadonlyArray<'required' | 'code_sent'>): Promise<BindFlow> {
    const flow = await services.flows.load<'required' | 'code_sent' | 'done', BindPhoneFacts>(bindPhoneFlow, id, browserIdOf(ctx), expected);
    if (flow.interactionUid !== uid || !flow.accountId) throw new FlowError('not_found');
    return flow;
  }

  async function page(ctx: Context, uid: string, flow: BindFlow, model: PageModel): Promise<void> {
    const base = `/interaction/${uid}/bind-phone`;
    const captcha = model.step === 'send' ? await services.captcha.issue() : undefined;
    const offered = flow.facts.offered;
    render(
      ctx,
      deps.views,
      'interaction/bind-phone.njk',
      {
        flowId: flow.id,
        step: model.step,
        captcha,
        error: model.error,
        notice: model.notice,
        fieldErrors: model.fieldErrors ?? {},
        phone: model.phone ?? '',
        maskedPhone: flow.facts.maskedPhone,
        offer: offered ? message(ctx, 'bind_phone.use_upstream', { upstream: message(ctx, `account.upstream.${offered.upstream}`), phone: offered.maskedPhone }) : undefined,
        phoneChoice: model.phoneChoice ?? (offered ? 'upstream' : 'other'),
        appeal: model.appeal ? '/appeal?type=phone' : undefined,
        actions: { send: `${base}/send`, verify: `${base}/verify`, restart: `${base}?flow=${flow.id}`, abort: `/interaction/${uid}/abort` },
      },
      model.status,
    );
  }

  router.get('/', async (ctx) => {
    const { uid } = ctx.params as { uid: string };
    await loadInteraction(ctx, deps.oidc.provider, uid);
    const flow = await loadFlow(ctx, uid, typeof ctx.query.flow === 'string' ? ctx.query.flow : '', ['required', 'code_sent']);
    await page(ctx, uid, flow, { step: 'send' });
  });

  router.post('/send', async (ctx) => {
    const { uid } = ctx.params as { uid: string };
    const form = await guard(ctx);
    await loadInteraction(ctx, deps.oidc.provider, uid);
    const flow = await loadFlow(ctx, uid, field(form, 'flow', 64), ['required', 'code_sent']);
    // The upstream's number only when chosen (and offered); otherwise the typed one, as before.
    const offered = field(form, 'phone_choice', 16) === 'upstream' ? flow.facts.offered : undefined;
    const phoneChoice = offered ? ('upstream' as const) : ('other' as const);
    const raw = offered ? '' : field(form, 'phone', 32);
    const phone = offered ? parseMobile(deps.secrets.cipher.decrypt(offered.phoneEnvelope, offeredPhoneAad)) : parseMobile(raw);
    if (!phone.ok) return page(ctx, uid, flow, { step: 'send', phone: raw, phoneChoice, fieldErrors: { phone: message(ctx, phone.code) }, status: 400 });
    // Captcha first; a number that is another account's gets a notice instead of a code (the same
    // answer here), and its conflict is told only after a code proved it (verify, below).
    const heldElsewhere = async () => {
      const holder = await services.accounts.findAccountIdByPhone(phone.e164);
      return holder !== undefined && holder !== flow.accountId ? ('phone_registered' as const) : undefined;
    };
    try {
      await services.smsCodes.send({ purpose: 'bind_phone', phoneE164: phone.e164, captchaId: field(form, 'captchaId', 64), captchaAnswer: field(form, 'captcha', 16), pow: field(form, 'pow', 4096), ip: state(ctx).ip, deliver: true, noticeInstead: heldElsewhere });
    } catch (err) {
      if (err instanceof ValidationError) return page(ctx, uid, flow, { step: 'send', phone: raw, phoneChoice, fieldErrors: { [err.field ?? 'captcha']: message(ctx, err.code) }, status: 400 });
      if (err instanceof RateLimitedError) return page(ctx, uid, flow, { step: 'send', phone: raw, phoneChoice, error: message(ctx, err.code, err.params), status: 429 });
      throw err;
    }
    const next = await services.flows.advance(bindPhoneFlow, flow, 'code_sent', { phoneEnvelope: deps.secrets.cipher.encrypt(phone.e164, phoneAad), maskedPhone: maskPhone(phone.e164) });
    await page(ctx, uid, next, { step: 'verify', notice: message(ctx, 'login.sms_sent') });
  });

  router.post('/verify', async (ctx) => {
    const { uid } = ctx.params as { uid: string };
    const form = await guard(ctx);
    const details = await loadInteraction(ctx, deps.oidc.provider, uid);
    const flow = await loadFlow(ctx, uid, field(form, 'flow', 64), ['code_sent']);
    const phoneE164 = deps.secrets.cipher.decrypt(flow.facts.phoneEnvelope ?? '', phoneAad);
    const code = field(form, 'code', 12);
    const proven = await verifySmsCode(services.smsCodes, { purpose: 'bind_phone', phoneE164, code });
    if (!proven.ok) return page(ctx, uid, flow, { step: proven.resend ? 'send' : 'verify', error: message(ctx, proven.message), status: 401 });
    const accountId = flow.accountId as string;
    try {
      await services.upstreamLinks.bindPhone(accountId, phoneE164, { ip: state(ctx).ip, requestId: state(ctx).requestId });
    } catch (err) {
      if (err instanceof ConflictError) return page(ctx, uid, flow, { step: 'send', phoneChoice: 'other', fieldErrors: { phone: message(ctx, err.code) }, appeal: true, status: 409 });
      throw err;
    }
    await services.flows.advance(bindPhoneFlow, flow, 'done');
    await finishLogin(ctx, { provider: deps.oidc.provider, accounts: services.accounts, audit: services.audit }, details, accountId, flow.facts.amr);
  });

  return router;
}
