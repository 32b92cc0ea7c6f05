// The client metadata only an operator sets (the CLI, the clients file, later the staff console),
// never dynamic registration: first_party, the catalogue fields, introspection_audiences,
// cases_webhook_uri, and the scope cases:write (the 办件 API) inside the standard `scope`.
// No oidc-provider import here: the client store and the CLI use it too.

export const operatorOnlyProperties = ['first_party', 'public_service', 'service_description', 'required_level', 'introspection_audiences', 'cases_webhook_uri'] as const;

/** The scope of the 办件 API (PUT /api/cases/…): granted by an operator only. */
export const casesWriteScope = 'cases:write';

/** Whether a client's `scope` metadata holds cases:write. */
export function scopeGrantsCasesWrite(scope: unknown): boolean {
  return typeof scope === 'string' && scope.split(' ').includes(casesWriteScope);
}

/** Metadata as dynamic registration may hold it: without any operator-only property or scope. */
export function withoutOperatorOnly<T extends Record<string, unknown>>(metadata: T): T {
  const copy: Record<string, unknown> = { ...metadata };
  for (const key of operatorOnlyProperties) delete copy[key];
  if (scopeGrantsCasesWrite(copy.scope)) {
    const rest = (copy.scope as string).split(' ').filter((s) => s !== casesWriteScope && s !== '');
    if (rest.length > 0) copy.scope = rest.join(' ');
    else delete copy.scope;
  }
  return copy as T;
}
