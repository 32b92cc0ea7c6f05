// Who may introspect a token (oidc-provider's features.introspection.allowedPolicy): the client it
// was issued to, or a confidential client the operator named as a resource server for the token's
// audience (introspection_audiences). Everyone else learns only `{ active: false }`.

/** The token kinds a resource server may introspect; a refresh token concerns only its own client. */
const resourceTokenKinds = new Set(['AccessToken', 'ClientCredentials']);

export interface IntrospectingClient {
  clientId: string;
  clientAuthMethod?: string;
  /** Operator-only metadata: the audiences this client serves as a resource server. */
  introspection_audiences?: unknown;
}

export interface IntrospectedToken {
  kind: string;
  clientId?: string;
  aud?: unknown;
}

/**
 * The audiences of a token: its `aud` when it was issued for a resource (resource indicators),
 * otherwise the client it was issued to (the service whose back end accepts it).
 */
export function tokenAudiences(token: IntrospectedToken): string[] {
  const aud = Array.isArray(token.aud) ? token.aud.filter((a): a is string => typeof a === 'string') : typeof token.aud === 'string' ? [token.aud] : [];
  if (aud.length > 0) return aud;
  return token.clientId ? [token.clientId] : [];
}

export function introspectionAllowed(client: IntrospectingClient, token: IntrospectedToken): boolean {
  if (token.clientId !== undefined && token.clientId === client.clientId) return true;
  if (!resourceTokenKinds.has(token.kind)) return false;
  if (client.clientAuthMethod === 'none') return false;
  const served = Array.isArray(client.introspection_audiences) ? client.introspection_audiences.filter((a): a is string => typeof a === 'string') : [];
  if (served.length === 0) return false;
  return tokenAudiences(token).some((aud) => served.includes(aud));
}
