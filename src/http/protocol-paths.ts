// The provider's JSON endpoints (discovery, JWKS, token, introspection, revocation, userinfo,
// registration, PAR): they skip the page middleware and always answer errors as JSON.

const protocolApiPath = /^\/(?:\.well-known\/|jwks$|token(?:\/|$)|me$|reg(?:\/|$)|request$)/;

export function isProtocolApiPath(path: string): boolean {
  return protocolApiPath.test(path);
}

/**
 * The provider requests that read an account right after a stored payload naming it (oidc-provider's
 * default routes): the token endpoint and userinfo build claims from a token's account; the return
 * to /auth/<uid> after an interaction checks the account it signed in.
 */
const readsPayloadAccount = /^\/(?:token|me|auth\/[^/]+)$/;

export function readsAccountAfterPayload(path: string): boolean {
  return readsPayloadAccount.test(path);
}

/**
 * The provider requests whose stored-model writes are held and stored together (in one statement,
 * before the reply): the token endpoint (a code's tokens) and the return to /auth/<uid> (the
 * interaction removed; session, grant and code stored). Nothing else happens between their writes
 * and their reply (no upstream call that could see a write before it is stored).
 */
const holdsWritesPath = /^\/(?:token|auth\/[^/]+)$/;

export function holdsPayloadWrites(path: string): boolean {
  return holdsWritesPath.test(path);
}
