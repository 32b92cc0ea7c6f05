// Turns an authenticator's outcome into the response: an upstream assertion is linked (or an
// account created), then the requirements run (bind a phone) before the interaction finishes;
// a failure re-renders the login page with its message and the other methods.

import type { Context } from 'koa';
import type { AuthOutcome } from '../../authenticators/types.js';
import { signInMethodInfo, type SignInMethod } from '../../domain/sign-in-methods.js';
import { browserIdOf } from '../../http/csrf.js';
import { t } from '../../i18n/index.js';
import { bindPhoneFlow, type BindPhoneFacts } from '../../flows/login/federated.js';
import type { RouteDeps } from '../deps.js';
import { clientIdOf, clientNameOf, type InteractionDetails } from './details.js';
import { finishLogin } from './finish.js';
import { loginPageDeps, renderLoginPage } from './login-page.js';
import { seeOther } from '../../http/redirect.js';
import { requestState } from '../../http/state.js';

/** Signs the account in, unless a requirement (a phone to bind) comes first. */
export async function continueSignIn(ctx: Context, deps: RouteDeps, details: InteractionDetails, accountId: string, amr: string[], needsPhone?: boolean): Promise<void> {
  const { services } = deps;
  const account = needsPhone === undefined ? await services.accounts.getAccount(accountId) : undefined;
  const mustBind = needsPhone ?? (!account || account.needsPhone || !account.phoneE164);
  if (mustBind) {
    const flow = await services.flows.start<'required' | 'code_sent' | 'done', BindPhoneFacts>(bindPhoneFlow, browserIdOf(ctx), { facts: { amr }, interactionUid: details.uid, accountId });
    seeOther(ctx, `/interaction/${details.uid}/bind-phone?flow=${flow.id}`);
    return;
  }
  await finishLogin(ctx, { provider: deps.oidc.provider, accounts: services.accounts, audit: services.audit }, details, accountId, amr, account);
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
      await continueSignIn(ctx, deps, details, result.accountId, outcome.amr, result.needsPhone);
      return;
    }
  }
}
