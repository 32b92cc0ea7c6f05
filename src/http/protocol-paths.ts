// The provider's JSON endpoints (discovery, JWKS, token, introspection, revocation, userinfo,
// registration, PAR): they skip the page middleware and always answer errors as JSON.

const protocolApiPath = /^\/(?:\.well-known\/|jwks$|token(?:\/|$)|me$|reg(?:\/|$)|request$)/;

export function isProtocolApiPath(path: string): boolean {
  return protocolApiPath.test(path);
}
