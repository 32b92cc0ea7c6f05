// The demo's use of openid-client, exactly as any integrator would: discovery on the issuer
// (cached, retried after a failure), authorization URLs with state + nonce + PKCE (S256), the
// code exchange with ID token validation, userinfo, and the RP-initiated logout URL.

import * as client from 'openid-client';
import type { PendingAuthorization, SignedIn } from './session.js';

export interface RelyingPartyOptions {
  issuer: string;
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  postLogoutRedirectUri: string;
}

export interface RelyingParty {
  /** A fresh authorization request for `scopes` demanding at least `acr`. */
  start(scopes: readonly string[], acr: string): Promise<{ url: URL; state: string; codeVerifier: string; nonce: string }>;
  /** Redeems the code in `callbackUrl`; throws client.AuthorizationResponseError on error=… answers. */
  finish(callbackUrl: URL, expected: { state: string; pending: PendingAuthorization }): Promise<SignedIn>;
  /** RP-initiated logout by GET with client_id, not id_token_hint: no token in the browser's URL. */
  endSessionUrl(): Promise<URL>;
  /** The discovered provider and this client (the cases desk asks for client-credentials tokens with it). */
  configuration(): Promise<client.Configuration>;
}

/** Document numbers of 10+ characters keep 4 + 4 characters, shorter ones the first and last. */
export function maskDocumentNumber(value: string): string {
  const chars = Array.from(value);
  const [head, tail] = chars.length >= 10 ? [4, 4] : chars.length >= 3 ? [1, 1] : [0, 0];
  return chars.map((c, i) => (i < head || i >= chars.length - tail ? c : '*')).join('');
}

const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

export function createRelyingParty(options: RelyingPartyOptions): RelyingParty {
  let discovered: Promise<client.Configuration> | undefined;

  function configuration(): Promise<client.Configuration> {
    discovered ??= client
      .discovery(
        new URL(options.issuer),
        options.clientId,
        { redirect_uris: [options.redirectUri], response_types: ['code'] },
        client.ClientSecretBasic(options.clientSecret),
        // Plain http is only for a provider on this machine during development.
        new URL(options.issuer).protocol === 'http:' ? { execute: [client.allowInsecureRequests] } : undefined,
      )
      .catch((err: unknown) => {
        discovered = undefined;
        throw err;
      });
    return discovered;
  }

  return {
    async start(scopes, acr) {
      const config = await configuration();
      const codeVerifier = client.randomPKCECodeVerifier();
      const state = client.randomState();
      const nonce = client.randomNonce();
      const url = client.buildAuthorizationUrl(config, {
        redirect_uri: options.redirectUri,
        scope: scopes.join(' '),
        acr_values: acr,
        code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
        code_challenge_method: 'S256',
        state,
        nonce,
      });
      return { url, state, codeVerifier, nonce };
    },

    async finish(callbackUrl, { state, pending }) {
      const config = await configuration();
      const tokens = await client.authorizationCodeGrant(config, callbackUrl, {
        pkceCodeVerifier: pending.codeVerifier,
        expectedState: state,
        expectedNonce: pending.nonce,
        idTokenExpected: true,
      });
      const idClaims = tokens.claims();
      if (!idClaims || !tokens.id_token) throw new Error('no ID token in the token response');
      // Scope-bound claims (name, id_number, ...) come from userinfo; acr/amr come from the ID token.
      const info = await client.fetchUserInfo(config, tokens.access_token, idClaims.sub);
      const idNumber = str(info.id_number);
      const amr = Array.isArray(idClaims.amr) ? idClaims.amr.filter((v): v is string => typeof v === 'string') : [];
      return {
        sub: idClaims.sub,
        acr: str(idClaims.acr),
        scopes: tokens.scope ? tokens.scope.split(' ').filter(Boolean) : [...pending.scopes],
        claims: {
          name: str(info.name),
          identityLevel: str(idClaims.identity_level) ?? str(info.identity_level),
          amr,
          authTime: typeof idClaims.auth_time === 'number' ? idClaims.auth_time : undefined,
          certType: str(info.cert_type),
          idNumberMasked: idNumber ? maskDocumentNumber(idNumber) : undefined,
        },
      };
    },

    configuration,

    async endSessionUrl() {
      const config = await configuration();
      return client.buildEndSessionUrl(config, { client_id: options.clientId, post_logout_redirect_uri: options.postLogoutRedirectUri });
    },
  };
}
