// src/oidc/: the oidc-provider configuration, its storage adapter, keys, clients, claims and consent; imports services/, repositories/, http/, domain/, config/, db/, i18n/, log/.
// Builds the oidc-provider instance from configuration, keys and the account directory: features,
// claims, TTLs, cookies and our own interaction, error and logout pages. No listening here.

import Provider, { type Configuration, type FindAccount, type KoaContextWithOIDC, type interactionPolicy } from 'oidc-provider';
import type { AdapterFactory } from 'oidc-provider';
import type { Config } from '../config/schema.js';
import type { Logger } from '../log/logger.js';
import { t } from '../i18n/index.js';
import type { RequestState } from '../http/state.js';
import { render, type Views } from '../http/views.js';
import { trustFramework } from './account-claims.js';
import { providerClaimsConfig, supportedAcrValues, supportedScopes } from './claims.js';
import { clientMetadataProperties, validateClientMetadata } from './client-metadata.js';
import { consentRequestOf } from './consent.js';
import { introspectionAllowed, type IntrospectedToken, type IntrospectingClient } from './introspection.js';
import { casesWriteScope } from './operator-metadata.js';
import { outboundFetch } from './outbound-fetch.js';
import type { KeyMaterial } from './keys.js';
import { readsForwardedHeaders, trustedProxiesOf } from '../http/client-address.js';

export interface ProviderDeps {
  config: Readonly<Config>;
  adapter: AdapterFactory;
  keys: KeyMaterial;
  views: Views;
  logger: Logger;
  findAccount: FindAccount;
  /** Extra claims for access tokens (identity_level, acr, amr): stored with opaque tokens, shown by introspection. */
  accessTokenClaims?: (ctx: KoaContextWithOIDC, accountId: string) => Promise<Record<string, unknown> | undefined>;
  policy?: interactionPolicy.Prompt[];
}

function stateOf(ctx: KoaContextWithOIDC): Partial<RequestState> {
  return ctx.state as Partial<RequestState>;
}

function clientIsFirstParty(ctx: KoaContextWithOIDC): boolean {
  return Boolean((ctx.oidc.client as unknown as { first_party?: boolean } | undefined)?.first_party);
}

export function createProvider(deps: ProviderDeps): Provider {
  const { config, views } = deps;
  const ttl = config.oidc.ttl;
  const fetch = outboundFetch(config.security.outboundAllowedNetworks);
  const configuration: Configuration = {
    adapter: deps.adapter,
    ...(fetch ? { fetch: fetch as NonNullable<Configuration['fetch']> } : {}),
    jwks: { keys: deps.keys.jwks as NonNullable<Configuration['jwks']>['keys'] },
    cookies: {
      keys: deps.keys.cookieKeys,
      names: { session: '_jsrs_session', interaction: '_jsrs_interaction', resume: '_jsrs_interaction_resume' },
      long: { signed: true, httpOnly: true, sameSite: 'lax' },
      short: { signed: true, httpOnly: true, sameSite: 'lax' },
    },
    claims: providerClaimsConfig(),
    // cases:write is for client-credentials tokens of the 办件 API; only an operator grants it (operator-metadata.ts).
    scopes: [...supportedScopes, casesWriteScope],
    acrValues: [...supportedAcrValues],
    // Scope claims go to userinfo only; the ID token carries sub, identity_level, acr, amr and
    // auth_time (the openid scope) and a personal claim only when the claims parameter asks for it
    // there (claims.id_token.name): relying parties put ID tokens in logout URLs.
    conformIdTokenClaims: true,
    responseTypes: ['code'],
    subjectTypes: ['public'],
    pkce: { required: () => true },
    clientDefaults: {
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      id_token_signed_response_alg: 'RS256',
    },
    extraClientMetadata: { properties: [...clientMetadataProperties], validator: validateClientMetadata },
    findAccount: deps.findAccount,
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      introspection: {
        enabled: true,
        // A token of a client that is gone or disabled is inactive for a resource server too.
        allowedPolicy: async (ctx, client, token) =>
          introspectionAllowed(client as unknown as IntrospectingClient, token as unknown as IntrospectedToken) &&
          (token.clientId === client.clientId || (await ctx.oidc.provider.Client.find(token.clientId ?? '')) !== undefined),
      },
      revocation: { enabled: true },
      userinfo: { enabled: true },
      claimsParameter: { enabled: true },
      backchannelLogout: { enabled: true },
      pushedAuthorizationRequests: { enabled: true },
      dPoP: { enabled: true },
      requestObjects: { enabled: true, requireSignedRequestObject: false },
      resourceIndicators: { enabled: false },
      registration: {
        enabled: Boolean(config.registrationAccessToken),
        ...(config.registrationAccessToken ? { initialAccessToken: config.registrationAccessToken } : {}),
      },
      registrationManagement: { enabled: Boolean(config.registrationAccessToken), rotateRegistrationAccessToken: true },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: async (ctx, form) => {
          const locale = stateOf(ctx).locale ?? 'zh-CN';
          const clientName = ctx.oidc.client?.clientName ?? t(locale, 'app.title');
          render(ctx, views, 'interaction/logout.njk', { form, clientName });
        },
        postLogoutSuccessSource: async (ctx) => {
          const locale = stateOf(ctx).locale ?? 'zh-CN';
          const clientName = ctx.oidc.client?.clientName ?? t(locale, 'app.title');
          render(ctx, views, 'interaction/logged-out.njk', { clientName });
        },
      },
    },
    ttl: {
      AccessToken: ttl.accessToken,
      AuthorizationCode: ttl.authorizationCode,
      IdToken: ttl.idToken,
      Interaction: ttl.interaction,
      Session: ttl.session,
      Grant: ttl.grant,
      RefreshToken: ttl.refreshToken,
      ClientCredentials: ttl.clientCredentials,
      BackchannelAuthenticationRequest: 600,
      DeviceCode: 600,
    },
    interactions: {
      url: (_ctx, interaction) => `/interaction/${interaction.uid}`,
      ...(deps.policy ? { policy: deps.policy } : {}),
    },
    issueRefreshToken: async (ctx, client, code) => {
      if (!client.grantTypeAllowed('refresh_token')) return false;
      return code.scopes.has('offline_access') || clientIsFirstParty(ctx);
    },
    loadExistingGrant: async (ctx) => {
      const client = ctx.oidc.client;
      const session = ctx.oidc.session;
      if (!client || !session?.accountId) return undefined;
      const grantId = ctx.oidc.result?.consent?.grantId ?? session.grantIdFor(client.clientId);
      const existing = grantId ? await ctx.oidc.provider.Grant.find(grantId) : undefined;
      if (!clientIsFirstParty(ctx)) return existing;
      // First-party clients are ours: their grant always covers what they ask for (no consent page),
      // the same known scopes and claims a consent would list (unknown claims are dropped).
      const grant = existing ?? new ctx.oidc.provider.Grant({ clientId: client.clientId, accountId: session.accountId });
      const requested = consentRequestOf({ scope: ctx.oidc.params?.scope, claims: ctx.oidc.params?.claims });
      if (requested.scopes.length > 0) grant.addOIDCScope(requested.scopes.join(' '));
      if (requested.claims.length > 0) grant.addOIDCClaims(requested.claims);
      await grant.save();
      return grant;
    },
    extraTokenClaims: async (ctx, token) => {
      const accountId = (token as { accountId?: string }).accountId;
      if (!accountId || !deps.accessTokenClaims) return undefined;
      return deps.accessTokenClaims(ctx, accountId);
    },
    renderError: async (ctx, out) => {
      const locale = stateOf(ctx).locale ?? 'zh-CN';
      const message = out.error === 'invalid_request' || out.error === 'invalid_client' || out.error === 'invalid_redirect_uri'
        ? t(locale, 'errors.oauth_request_invalid')
        : t(locale, 'errors.oauth_generic');
      render(ctx, views, 'errors/error.njk', {
        title: t(locale, 'errors.title'),
        message,
        detail: out.error_description,
        requestId: stateOf(ctx).requestId,
      });
    },
    discovery: {
      ui_locales_supported: ['zh-CN', 'en'],
      claims_locales_supported: ['zh-CN'],
      // OpenID Connect for Identity Assurance (verified_claims under the identity scope)
      verified_claims_supported: true,
      trust_frameworks_supported: [trustFramework],
      evidence_supported: ['electronic_record'],
      claims_in_verified_claims_supported: ['name', 'cert_type', 'id_number'],
    },
  };

  const provider = new Provider(config.issuer, configuration);
  // The same setting as the host app: both read only the forwarded headers clientAddress() left.
  provider.proxy = readsForwardedHeaders(trustedProxiesOf(config.trustedProxies));
  // interactionDetails/Result build their contexts from the provider app: it signs with the same keys.
  provider.keys = deps.keys.cookieKeys;
  return provider;
}
