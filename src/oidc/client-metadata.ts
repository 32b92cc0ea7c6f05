// Our own client metadata on top of RFC 7591. All of it is operator-only: the CLI, the clients file
// (and later the staff console) set it; dynamic registration can neither set nor keep it.
// first_party skips consent; public_service, service_description and required_level put a client
// in the user centre's catalogue; introspection_audiences names a resource server (see introspection.ts);
// cases_webhook_uri receives the 好差评 ratings; the scope cases:write may not be registered either.

import { errors } from 'oidc-provider';
import { isIdentityLevel } from '../domain/levels.js';
import { casesWriteScope, operatorOnlyProperties, scopeGrantsCasesWrite } from './operator-metadata.js';

export const clientMetadataProperties = operatorOnlyProperties;

/** oidc-provider's route names of dynamic registration: create, read, update, delete. */
const registrationRoutes = new Set(['registration', 'client', 'client_update', 'client_delete']);

export function isRegistrationRoute(route: string | undefined): boolean {
  return typeof route === 'string' && (route.startsWith('registration') || registrationRoutes.has(route));
}

type OidcLike = { oidc?: { route?: string; body?: Record<string, unknown> } } | undefined;

/**
 * oidc-provider's extraClientMetadata validator. Throws InvalidClientMetadata when a registration
 * route (create, read, update, delete) submits an operator-only property, whatever its value
 * (null and false included), or when a value has the wrong shape.
 */
export function validateClientMetadata(ctx: unknown, key: string, value: unknown, metadata?: Record<string, unknown>): void {
  const oidc = (ctx as OidcLike)?.oidc;
  if (key === operatorOnlyProperties[0] && isRegistrationRoute(oidc?.route) && (scopeGrantsCasesWrite(metadata?.scope) || scopeGrantsCasesWrite(oidc?.body?.scope))) {
    throw new errors.InvalidClientMetadata(`the scope ${casesWriteScope} is granted by the operator only and cannot be registered dynamically`);
  }
  if ((operatorOnlyProperties as readonly string[]).includes(key) && isRegistrationRoute(oidc?.route)) {
    const submitted = oidc?.body !== undefined && oidc.body !== null && typeof oidc.body === 'object' && Object.hasOwn(oidc.body, key);
    if (submitted || value !== undefined) {
      throw new errors.InvalidClientMetadata(`${key} is set by the operator only and cannot be registered or updated dynamically`);
    }
  }
  if (value === undefined) return;
  switch (key) {
    case 'first_party':
    case 'public_service':
      if (typeof value !== 'boolean') throw new errors.InvalidClientMetadata(`${key} must be a boolean`);
      return;
    case 'service_description':
      if (typeof value !== 'string' || value.length > 500) throw new errors.InvalidClientMetadata('service_description must be a string of at most 500 characters');
      return;
    case 'required_level':
      if (!isIdentityLevel(value)) throw new errors.InvalidClientMetadata('required_level must be registered, real_name or real_person');
      return;
    case 'introspection_audiences':
      if (!Array.isArray(value) || value.length > 100 || !value.every((v) => typeof v === 'string' && v.length > 0 && v.length <= 300)) {
        throw new errors.InvalidClientMetadata('introspection_audiences must be an array of at most 100 non-empty strings');
      }
      return;
    case 'cases_webhook_uri': {
      const url = typeof value === 'string' && value.length <= 2000 ? URL.parse(value) : null;
      if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:') || url.username || url.password || url.hash) {
        throw new errors.InvalidClientMetadata('cases_webhook_uri must be an http(s) URL without credentials or fragment');
      }
      return;
    }
    default:
  }
}
