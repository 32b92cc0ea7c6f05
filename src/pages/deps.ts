// src/pages/: what several routers present with (the interaction's details, the login page, sign-in settlement, consent and policies; the face step, the re-authentication block, the identity form; the user centre's session and frame); imports flows/, authenticators/, services/, http/, domain/, errors/, i18n/, oidc/, config/, never routes/.
// What routers and pages are built from (the container's parts they may use), and the one form guard
// every state-changing page route runs first.

import type { Container } from '../container.js';
import { createFormGuard, type FormGuard } from '../http/form-guard.js';

export type RouteDeps = Pick<Container, 'config' | 'clock' | 'views' | 'secrets' | 'services' | 'oidc' | 'clients' | 'authenticators'>;

/** Per-IP POST limit, bounded body, CSRF token and Origin check, from the routes' dependencies. */
export function formGuardFor(deps: Pick<RouteDeps, 'config' | 'secrets' | 'services'>): FormGuard {
  return createFormGuard({
    rateLimiter: deps.services.rateLimiter,
    postsPerIpPerMinute: deps.config.rateLimits.postsPerIpPerMinute,
    csrfKey: deps.secrets.keyring.current.keys.csrf,
    issuer: deps.config.issuer,
  });
}
