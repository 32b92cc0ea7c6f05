// The `policies` prompt's page (oidc/policy.ts): both policy texts linked, the version in force and,
// for a citizen who agreed to an older one, what changed. 同意并继续 records the version and resumes
// the sign-in; 不同意 ends it with access_denied at the client.

import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import { FlowError } from '../../flows/engine/store.js';
import { requestState } from '../../http/state.js';
import { seeOther } from '../../http/redirect.js';
import { render, type Views } from '../../http/views.js';
import { t } from '../../i18n/index.js';
import { policiesPromptName, type PoliciesResult } from '../../oidc/policy.js';
import type { PolicyAcceptance } from '../../services/policy-acceptance.js';
import { clientIdOf, clientNameOf, type InteractionDetails } from './details.js';
import { abortInteraction } from './finish.js';

export interface PoliciesPageDeps {
  provider: Provider;
  views: Views;
  policies: PolicyAcceptance;
}

export async function showPolicies(ctx: Context, deps: PoliciesPageDeps, details: InteractionDetails, extra: { error?: string; status?: number } = {}): Promise<void> {
  const previous = (details.prompt.details as { acceptedVersion?: unknown }).acceptedVersion;
  render(
    ctx,
    deps.views,
    'interaction/policies.njk',
    {
      version: deps.policies.version,
      previousVersion: typeof previous === 'string' && previous !== deps.policies.version ? previous : undefined,
      changes: deps.policies.changes,
      clientName: await clientNameOf(deps.provider, details.params.client_id),
      error: extra.error,
      actions: { answer: `/interaction/${details.uid}/policies` },
    },
    extra.status,
  );
}

/** The answer to the page: agree (the version shown must still be the one in force) or decline. */
export async function answerPolicies(ctx: Context, deps: PoliciesPageDeps, details: InteractionDetails, form: Record<string, string>): Promise<void> {
  const accountId = details.session?.accountId;
  if (details.prompt.name !== policiesPromptName || !accountId) throw new FlowError('out_of_order');
  const state = requestState(ctx);
  const context = { ip: state.ip, requestId: state.requestId, clientId: clientIdOf(details) };
  if (form.answer === 'decline') {
    await deps.policies.decline(accountId, context);
    await abortInteraction(ctx, deps.provider, 'The end-user did not agree to the privacy policy');
    return;
  }
  if (form.answer !== 'accept') throw new FlowError('out_of_order');
  const version = typeof form.version === 'string' ? form.version.slice(0, 64) : '';
  if (!(await deps.policies.accept(accountId, version, context))) {
    await showPolicies(ctx, deps, details, { error: t(state.locale, 'policies.version_changed'), status: 409 });
    return;
  }
  const result: PoliciesResult = { accepted: version };
  seeOther(ctx, await deps.provider.interactionResult(ctx.req, ctx.res, { [policiesPromptName]: result }, { mergeWithLastSubmission: true }));
}
