// Ending an interaction: a successful sign-in (with the acr this sign-in earns and its amr) or an
// abort that sends the citizen back to the client with access_denied.

import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import { acrFor } from '../../domain/levels.js';
import type { AccountService, AccountView } from '../../services/accounts.js';
import type { Audit } from '../../services/audit.js';
import { AppError } from '../../errors/app-error.js';
import type { InteractionDetails } from './details.js';
import { seeOther } from '../../http/redirect.js';
import { requestState } from '../../http/state.js';

export async function finishLogin(
  ctx: Context,
  deps: { provider: Provider; accounts: Pick<AccountService, 'getAccount'>; audit: Audit },
  details: InteractionDetails,
  accountId: string,
  amr: string[],
  /** The account when the caller has just read it (one read per request). */
  loaded?: AccountView,
): Promise<void> {
  const account = await accountOf(deps.accounts, accountId, loaded);
  if (!account || account.status !== 'active') throw new AppError('errors.session_expired', 400);
  const acr = acrFor(account.level, { faceThisSignIn: amr.includes('face') });
  const state = requestState(ctx);
  await deps.audit.record({
    event: 'signin.success',
    outcome: 'success',
    subject: accountId,
    clientId: typeof details.params.client_id === 'string' ? details.params.client_id : null,
    ip: state.ip,
    requestId: state.requestId,
    details: { amr, acr },
  });
  seeOther(ctx, await saveResult(details, { login: { accountId, acr, amr, remember: true } }));
}

/** The account signing in: `loaded` when the caller read this very account in this request, else read now. */
export function accountOf(accounts: Pick<AccountService, 'getAccount'>, accountId: string, loaded: AccountView | undefined): Promise<AccountView | undefined> {
  return loaded?.id === accountId ? Promise.resolve(loaded) : accounts.getAccount(accountId);
}

/**
 * What provider.interactionResult does (result replaces any earlier one, saved for the rest of the
 * interaction's life), on the interaction this request has already loaded: no second read.
 */
async function saveResult(details: InteractionDetails, result: InteractionDetails['result']): Promise<string> {
  details.result = result;
  await details.save(details.exp - Math.floor(Date.now() / 1000));
  return details.returnTo;
}

export async function abortInteraction(ctx: Context, provider: Provider, description: string): Promise<void> {
  const returnTo = await provider.interactionResult(ctx.req, ctx.res, { error: 'access_denied', error_description: description }, { mergeWithLastSubmission: false });
  seeOther(ctx, returnTo);
}
