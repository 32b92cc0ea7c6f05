// The consent page of a third-party client: every claim the client will receive, however it asked
// (scope or claims parameter), in plain words, sensitive personal information marked and agreed to
// separately (PIPL art. 28/29); 同意授权 saves a grant holding exactly what the page listed. A
// dynamically registered client is said to be one: its name is its own claim, not the operator's.

import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import { FlowError } from '../../flows/engine/store.js';
import { render, type Views } from '../../http/views.js';
import { t } from '../../i18n/index.js';
import { consentRequestOf } from '../../oidc/consent.js';
import type { ClientStore } from '../../oidc/client-store.js';
import type { Audit } from '../../services/audit.js';
import { clientNameOf, type InteractionDetails } from './details.js';
import { requestState } from '../../http/state.js';

export async function showConsent(
  ctx: Context,
  deps: { provider: Provider; views: Views; clients: Pick<ClientStore, 'sourceOf'> },
  details: InteractionDetails,
  extra: { error?: string; status?: number } = {},
): Promise<void> {
  const request = consentRequestOf(details.params);
  const clientId = typeof details.params.client_id === 'string' ? details.params.client_id : '';
  render(
    ctx,
    deps.views,
    'interaction/consent.njk',
    {
      clientName: await clientNameOf(deps.provider, details.params.client_id),
      items: request.items,
      sensitive: request.sensitive,
      selfRegistered: clientId !== '' && (await deps.clients.sourceOf(clientId)) === 'registration',
      error: extra.error,
      actions: { confirm: `/interaction/${details.uid}/consent`, abort: `/interaction/${details.uid}/abort` },
    },
    extra.status,
  );
}

/** Saves the grant of what the page listed and returns where the provider resumes; undefined when the page was shown again. */
export async function grantConsent(
  ctx: Context,
  deps: { provider: Provider; views: Views; clients: Pick<ClientStore, 'sourceOf'>; audit: Audit },
  details: InteractionDetails,
  form: Record<string, string>,
): Promise<string | undefined> {
  const accountId = details.session?.accountId;
  if (details.prompt.name !== 'consent' || !accountId) throw new FlowError('out_of_order');
  const state = requestState(ctx);
  const request = consentRequestOf(details.params);
  if (request.sensitive && form.agreeSensitive !== 'yes') {
    await showConsent(ctx, deps, details, { error: t(state.locale, 'consent.sensitive_required'), status: 400 });
    return undefined;
  }
  const clientId = String(details.params.client_id);
  const { Grant } = deps.provider;
  const grant = (details.grantId ? await Grant.find(details.grantId) : undefined) ?? new Grant({ accountId, clientId });
  if (request.scopes.length > 0) grant.addOIDCScope(request.scopes.join(' '));
  if (request.claims.length > 0) grant.addOIDCClaims(request.claims);
  const grantId = await grant.save();
  await deps.audit.record({
    event: 'consent.granted',
    outcome: 'success',
    subject: accountId,
    clientId,
    ip: state.ip,
    requestId: state.requestId,
    details: { scopes: request.scopes, claims: request.claims, sensitive: request.sensitive },
  });
  return deps.provider.interactionResult(ctx.req, ctx.res, { consent: { grantId } }, { mergeWithLastSubmission: true });
}
