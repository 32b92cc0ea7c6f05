// Turns an authenticator's outcome into the response: an upstream assertion is linked (or an
// account created), then the requirements run (bind a phone) before the interaction finishes;
// a failure re-renders the login page with its message and the other methods.

import type { Context } from 'koa';
import type { AuthOutcome, Refusal } from '../../authenticators/types.js';
import { maskPhone } from '../../domain/masking.js';
import { parseMobile } from '../../domain/phone.js';
import { isLocalMethod, signInMethodInfo, type SignInMethod, type UpstreamName } from '../../domain/sign-in-methods.js';
import { browserIdOf } from '../../http/csrf.js';
import { t, type Locale } from '../../i18n/index.js';
import { bindPhoneFlow, offeredPhoneAad, type BindPhoneFacts } from '../../flows/login/federated.js';
import type { AccountView } from '../../services/accounts.js';
import type { RouteDeps } from '../deps.js';
import { clientIdOf, clientNameOf, type InteractionDetails } from './details.js';
import { accountOf, finishLogin } from './finish.js';
import { loginPageDeps, renderLoginPage, type LoginPageModel } from './login-page.js';
import { seeOther } from '../../http/redirect.js';
import { requestState } from '../../http/state.js';

/**
 * Signs the account in, unless a requirement (a phone to bind) comes first. `upstreamPhone` is the
 * number an upstream has on record for the person: offered (sealed, shown masked) when binding.
 */
export async function continueSignIn(
  ctx: Context,
  deps: RouteDeps,
  details: InteractionDetails,
  accountId: string,
  amr: string[],
  known: { account?: AccountView; needsPhone?: boolean; upstreamPhone?: { upstream: UpstreamName; phone: string } } = {},
): Promise<void> {
  const { services } = deps;
  const { needsPhone, upstreamPhone } = known;
  const account = needsPhone === undefined ? await accountOf(services.accounts, accountId, known.account) : undefined;
  const mustBind = needsPhone ?? (!account || account.needsPhone || !account.phoneE164);
  if (mustBind) {
    const offered = offeredPhone(deps, upstreamPhone);
    const flow = await services.flows.start<'required' | 'code_sent' | 'done', BindPhoneFacts>(bindPhoneFlow, browserIdOf(ctx), { facts: { amr, ...(offered ? { offered } : {}) }, interactionUid: details.uid, accountId });
    seeOther(ctx, `/interaction/${details.uid}/bind-phone?flow=${flow.id}`);
    return;
  }
  await finishLogin(ctx, { provider: deps.oidc.provider, accounts: services.accounts, audit: services.audit }, details, accountId, amr, account);
}

/** The upstream's number as the bind-phone flow keeps it (sealed and masked), when it is a mobile number. */
function offeredPhone(deps: RouteDeps, upstreamPhone: { upstream: UpstreamName; phone: string } | undefined): BindPhoneFacts['offered'] {
  if (!upstreamPhone) return undefined;
  const parsed = parseMobile(upstreamPhone.phone);
  if (!parsed.ok) return undefined;
  return { upstream: upstreamPhone.upstream, phoneEnvelope: deps.secrets.cipher.encrypt(parsed.e164, offeredPhoneAad), maskedPhone: maskPhone(parsed.e164) };
}

/** A refusal's message in the page's locale: the method's name and any date (a lockout's end) filled in. */
function refusalText(locale: Locale, method: SignInMethod, refusal: Refusal): string {
  const params = Object.fromEntries(Object.entries(refusal.params ?? {}).map(([k, v]) => [k, v instanceof Date ? formatTime(v, locale) : v]));
  return t(locale, refusal.code, { method: t(locale, signInMethodInfo[method].label), ...params });
}

/** The login page again on the method's tab (an upstream's refusal on the password tab), with the message and the other methods. */
async function showLoginPage(ctx: Context, deps: RouteDeps, details: InteractionDetails, method: SignInMethod, model: Omit<LoginPageModel, 'uid' | 'clientName' | 'method'>): Promise<void> {
  await renderLoginPage(
    ctx,
    loginPageDeps(deps),
    { uid: details.uid, clientName: await clientNameOf(deps.oidc.provider, details.params.client_id), method: isLocalMethod(method) ? method : 'password', ...model },
    clientIdOf(details),
  );
}

/** The login page again after a refusal: recorded under the method's audit event unless the method recorded it itself. */
export async function renderLoginFailure(ctx: Context, deps: RouteDeps, details: InteractionDetails, method: SignInMethod, failure: Extract<AuthOutcome, { kind: 'failed' }>): Promise<void> {
  const state = requestState(ctx);
  if (!failure.audited) await deps.services.audit.record({ event: signInMethodInfo[method].auditEvent, outcome: 'failure', ip: state.ip, requestId: state.requestId, details: { reason: failure.code } });
  const text = refusalText(state.locale, method, failure);
  await showLoginPage(ctx, deps, details, method, { values: failure.values ?? {}, status: failure.status, ...(failure.field ? { fieldErrors: { [failure.field]: text } } : { error: text }) });
}

export async function settleOutcome(ctx: Context, deps: RouteDeps, details: InteractionDetails, method: SignInMethod, outcome: AuthOutcome): Promise<void> {
  const state = requestState(ctx);
  switch (outcome.kind) {
    case 'redirect':
      seeOther(ctx, outcome.url);
      return;
    case 'pending':
      seeOther(ctx, `/interaction/${details.uid}?method=${method === 'qr' ? 'qr' : 'password'}`);
      return;
    case 'failed':
      await renderLoginFailure(ctx, deps, details, method, outcome);
      return;
    case 'step': {
      const refusal = outcome.refusal ? refusalText(state.locale, method, outcome.refusal) : undefined;
      await showLoginPage(ctx, deps, details, method, {
        smsStep: outcome.step,
        values: outcome.values ?? {},
        ...(outcome.flowId ? { flowId: outcome.flowId } : {}),
        ...(outcome.maskedPhone ? { maskedPhone: outcome.maskedPhone } : {}),
        ...(outcome.notice ? { notice: t(state.locale, outcome.notice) } : {}),
        ...(refusal ? (outcome.refusal?.field ? { fieldErrors: { [outcome.refusal.field]: refusal } } : { error: refusal }) : {}),
        ...(outcome.status ? { status: outcome.status } : {}),
      });
      return;
    }
    case 'identified':
      await continueSignIn(ctx, deps, details, outcome.accountId, outcome.amr, outcome.account ? { account: outcome.account } : {});
      return;
    case 'asserted': {
      const result = await deps.services.upstreamLinks.signIn(outcome.assertion, { ip: state.ip, requestId: state.requestId });
      const { upstream, phone } = outcome.assertion;
      await continueSignIn(ctx, deps, details, result.accountId, outcome.amr, { needsPhone: result.needsPhone, ...(phone ? { upstreamPhone: { upstream, phone } } : {}) });
      return;
    }
  }
}

/** A date and time as the pages show it, in China's time zone. */
function formatTime(date: Date, locale: string): string {
  return date.toLocaleString(locale === 'en' ? 'en-GB' : 'zh-CN', { timeZone: 'Asia/Shanghai', hour12: false });
}
