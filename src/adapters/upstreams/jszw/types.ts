// The 江苏政务 port: an OAuth 2.0 authorisation-code upstream (state + PKCE S256) whose userinfo
// asserts a real-name or real-person identity.

import type { UpstreamIdentity } from '../types.js';

export interface JszwUpstream {
  /** Where to send the browser; the caller keeps `state` and the PKCE verifier. */
  authorizationUrl(input: { state: string; codeChallenge: string; redirectUri: string }): string;
  /** Redeems the code and reads userinfo. Throws UpstreamError('jszw') on any failure. */
  exchange(input: { code: string; codeVerifier: string; redirectUri: string }): Promise<UpstreamIdentity>;
}
