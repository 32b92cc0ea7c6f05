// The provider's JSON endpoints (discovery, JWKS, token, introspection, revocation, userinfo,
// registration, PAR): they skip the page middleware and always answer errors as JSON.

const protocolApiPath = /^\/(?:\.well-known\/|jwks$|token(?:\/|$)|me$|reg(?:\/|$)|request$)/;

export function isProtocolApiPath(path: string): boolean {
  return protocolApiPath.test(path);
}

/** oidc-provider's token endpoint and userinfo (its default routes): the requests that build claims from a token's account. */
const claimsPaths = new Set(['/token', '/me']);

export function buildsClaimsFromToken(path: string): boolean {
  return claimsPaths.has(path);
}
