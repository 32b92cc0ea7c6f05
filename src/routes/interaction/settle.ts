// Turns an authenticator's outcome into the response: an upstream assertion is linked (or an
// account created), then the requirements run (bind a phone) before the interaction finishes;
// a failure re-renders the login page with its message and the other methods.

import type { Context } from 'koa';
import type { AuthOutcome } from '../../authenticators/types.js';
import { maskPhone } from '../../domain/masking.js';
import { parseMobile } from '../../domain/phone.js';
import { signInMethodInfo, type SignInMethod, type UpstreamName } from '../../domain/sign-in-methods.js';
import { browserIdOf } from '../../http/csrf.js';
import { t } from '../../i18n/index.js';
import { bindPhoneFlow, offeredPhoneAad, type BindPhoneFacts } from '../../flows/login/federated.js';
import type { RouteDeps } from '../deps.js';
import { clientIdOf, clientNameOf, type InteractionDetails } from './details.js';
import { finishLogin } from './finish.js';
import { loginPageDeps, renderLoginPage } from './login-page.js';
import { seeOther } from '../../http/redirect.js';
import { requestState } from '../../http/state.js';

/**
 * Signs the account in, unless a requirement (a phone to bind) comes first. `upstreamPhone` is the
 * number an upstream has on record for the person: offered (sealed, shown masked) when binding.
 */
export async function continueSignIn(ctx: Context, deps: RouteDeps, details: InteractionDetails, accountId: string, amr: string[], needsPhone?: boolean, upstreamPhone?: { upstream: UpstreamName; phone: string }): Promise<void> {
  const { services } = deps;
  const account = needsPhone === undefined ? await services.accounts.getAccount(accountId) : undefined;
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

/** The login page again, with `code`'s message (method names filled in) and the other methods. */
export async function renderLoginFailure(ctx: Context, deps: RouteDeps, details: InteractionDetails, method: SignInMethod, code: string, status: number): Promise<void> {
  const state = requestState(ctx);
  const methodName = t(state.locale, signInMethodInfo[method].label);
  await deps.services.audit.record({ event: signInMethodInfo[method].auditEvent, outcome: 'failure', ip: state.ip, requestId: state.requestId, details: { reason: code } });
  await renderLoginPage(
    ctx,
    loginPageDeps(deps),
    { uid: details.uid, clientName: await clientNameOf(deps.oidc.provider, details.params.client_id), method: method === 'qr' ? 'qr' : 'password', error: t(state.locale, code, { method: methodName }), status },
    clientIdOf(details),
  );
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
      await renderLoginFailure(ctx, deps, details, method, outcome.code, outcome.status);
      return;
    case 'identified':
      await continueSignIn(ctx, deps, details, outcome.accountId, outcome.amr);
      return;
    case 'asserted': {
      const result = await deps.services.upstreamLinks.signIn(outcome.assertion, { ip: state.ip, requestId: state.requestId });
      const { upstream, phone } = outcome.assertion;
      await continueSignIn(ctx, deps, details, result.accountId, outcome.amr, result.needsPhone, phone ? { upstream, phone } : undefined);
      return;
    }
  }
}
