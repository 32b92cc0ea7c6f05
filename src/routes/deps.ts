// What our page and API routes are built from: the container's parts they may use.

import type { Container } from '../container.js';

export type RouteDeps = Pick<Container, 'config' | 'clock' | 'views' | 'secrets' | 'services' | 'oidc' | 'clients'>;
