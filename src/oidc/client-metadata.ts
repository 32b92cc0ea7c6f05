// Our own client metadata on top of RFC 7591: first_party (skips consent), and the catalogue
// fields a public 人社 service shows in the user centre (public_service, service_description,
// required_level).

import { errors } from 'oidc-provider';
import { isIdentityLevel } from '../domain/levels.js';

export const clientMetadataProperties = ['first_party', 'public_service', 'service_description', 'required_level'] as const;

export function validateClientMetadata(ctx: unknown, key: string, value: unknown): void {
  if (value === undefined) return;
  const route = (ctx as { oidc?: { route?: string } } | undefined)?.oidc?.route ?? '';
  if (key === 'first_party' && value === true && route.startsWith('registration')) {
    throw new errors.InvalidClientMetadata('first_party cannot be self-asserted through dynamic registration');
  }
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
    default:
  }
}
