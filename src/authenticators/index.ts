// Builds the authenticators of the enabled methods from config and services (password and SMS
// stay as routes in routes/interaction/index.ts). A method without a configured port is absent.

import type { Config } from '../config/schema.js';
import type { Services } from '../services/index.js';
import { createAlipayAuthenticator } from './alipay.js';
import { createEsscAuthenticator, type EsscAuthenticator } from './essc.js';
import { createFederatedState, type FederatedState } from './federated-state.js';
import { createJszwAuthenticator } from './jszw.js';
import { createQrScanAuthenticator } from './qr-scan.js';
import type { Authenticator, FederatedMethod, UpstreamLinking } from './types.js';

export interface Authenticators {
  /** The state/PKCE binding of the redirecting upstreams (the fixed callback route reads it). */
  federatedState: FederatedState;
  qr?: Authenticator<{ ticket: string }>;
  essc?: EsscAuthenticator;
  jszw?: Authenticator & UpstreamLinking;
  alipay?: Authenticator & UpstreamLinking;
}

export const callbackPath = (method: FederatedMethod) => `/federated/callback/${method}`;

export function createAuthenticators(deps: { config: Readonly<Config>; services: Services; stateKey: Buffer }): Authenticators {
  const { config, services } = deps;
  const enabled = (m: string) => (config.login.methods as readonly string[]).includes(m);
  const settings = services.upstreamSettings;
  const ports = services.upstreams;
  const state = createFederatedState({ flows: services.flows, key: deps.stateKey });
  const redirectUri = (method: FederatedMethod) => `${config.issuer.replace(/\/+$/, '')}${callbackPath(method)}`;
  const out: Authenticators = { federatedState: state };
  if (enabled('qr')) out.qr = createQrScanAuthenticator({ qrLogin: services.qrLogin });
  if (enabled('essc') && ports.essc) out.essc = createEsscAuthenticator({ upstream: ports.essc, flows: services.flows, state, level: settings.essc.level });
  if (enabled('jszw') && ports.jszw) out.jszw = createJszwAuthenticator({ upstream: ports.jszw, state, redirectUri: redirectUri('jszw'), levels: settings.jszw.levels });
  if (enabled('alipay') && ports.alipay) {
    out.alipay = createAlipayAuthenticator({ upstream: ports.alipay, state, redirectUri: redirectUri('alipay'), certifiedLevel: settings.alipay.certifiedLevel });
  }
  return out;
}
