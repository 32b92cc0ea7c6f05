// src/authenticators/: the sign-in methods behind one interface (QR, 电子社保卡, 江苏政务, 支付宝), built once by the container; imports adapters/ (types), config/, domain/, errors/, flows/, services/, ports.ts (types).
// Builds the authenticators of the enabled methods from config and services (password and SMS
// stay as routes in routes/interaction/index.ts). A method without a configured port is absent.

import type { Config } from '../config/schema.js';
import { signInMethods, type SignInMethod, type UpstreamName } from '../domain/sign-in-methods.js';
import type { Ports } from '../ports.js';
import type { Services } from '../services/index.js';
import { createAlipayAuthenticator } from './alipay.js';
import { createEsscAuthenticator } from './essc.js';
import { createFederatedState, type FederatedState } from './federated-state.js';
import { createJszwAuthenticator } from './jszw.js';
import { createQrScanAuthenticator } from './qr-scan.js';
import type { Authenticator } from './types.js';

/** What a builder may use: the container's services and upstream ports, the shared federated state, the callback URL. */
interface BuildContext {
  services: Services;
  ports: Ports['upstreams'];
  settings: Ports['upstreamSettings'];
  state: FederatedState;
  redirectUri: (method: UpstreamName) => string;
}

/**
 * One entry per method of the vocabulary (the compiler refuses a missing one): how its
 * authenticator is built, undefined when its port is not configured; null while the method is
 * still served by routes (password and SMS code, routes/interaction/index.ts).
 */
export const authenticatorBuilders = {
  qr: (b: BuildContext) => createQrScanAuthenticator({ qrLogin: b.services.qrLogin }),
  password: null,
  sms: null,
  essc: (b: BuildContext) => (b.ports.essc ? createEsscAuthenticator({ upstream: b.ports.essc, flows: b.services.flows, state: b.state, level: b.settings.essc.level }) : undefined),
  jszw: (b: BuildContext) => (b.ports.jszw ? createJszwAuthenticator({ upstream: b.ports.jszw, state: b.state, redirectUri: b.redirectUri('jszw'), levels: b.settings.jszw.levels }) : undefined),
  alipay: (b: BuildContext) =>
    b.ports.alipay ? createAlipayAuthenticator({ upstream: b.ports.alipay, state: b.state, redirectUri: b.redirectUri('alipay'), certifiedLevel: b.settings.alipay.certifiedLevel }) : undefined,
} as const satisfies Record<SignInMethod, ((b: BuildContext) => Authenticator<never> | undefined) | null>;

type Builders = typeof authenticatorBuilders;
/** The built authenticator of each enabled, configured method (typed per method). */
export type Authenticators = { federatedState: FederatedState } & {
  [M in SignInMethod as Builders[M] extends null ? never : M]?: Builders[M] extends (b: BuildContext) => infer A ? Exclude<A, undefined> : never;
};

export const callbackPath = (method: UpstreamName) => `/federated/callback/${method}`;

export function createAuthenticators(deps: { config: Readonly<Config>; services: Services; ports: Pick<Ports, 'upstreams' | 'upstreamSettings'>; stateKey: Buffer }): Authenticators {
  const { config, services } = deps;
  const state = createFederatedState({ flows: services.flows, key: deps.stateKey });
  const build: BuildContext = {
    services,
    ports: deps.ports.upstreams,
    settings: deps.ports.upstreamSettings,
    state,
    redirectUri: (method) => `${config.issuer.replace(/\/+$/, '')}${callbackPath(method)}`,
  };
  const out: Authenticators = { federatedState: state };
  for (const method of signInMethods) {
    const builder = authenticatorBuilders[method];
    const built = builder && config.login.methods.includes(method) ? builder(build) : undefined;
    if (built) Object.assign(out, { [method]: built });
  }
  return out;
}
