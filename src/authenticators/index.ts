// src/authenticators/: every sign-in method behind one interface (账号密码, 手机动态码, 扫码, 电子社保卡, 江苏政务, 支付宝), built once by the container; imports adapters/ (types), config/, domain/, errors/, flows/, services/, ports.ts (types).
// Builds the authenticators of the enabled methods from config and services, one builder per method of
// the vocabulary. A method that is not enabled, or an upstream without a configured port, is absent.

import type { Config } from '../config/schema.js';
import { signInMethods, type SignInMethod, type UpstreamName } from '../domain/sign-in-methods.js';
import type { Ports } from '../ports.js';
import type { Services } from '../services/index.js';
import type { PiiCipher } from '../services/crypto/index.js';
import { createAlipayAuthenticator } from './alipay.js';
import { createEsscAuthenticator } from './essc.js';
import { createFederatedState, type FederatedState } from './federated-state.js';
import { createJszwAuthenticator } from './jszw.js';
import { createPasswordAuthenticator } from './password.js';
import { createQrScanAuthenticator } from './qr-scan.js';
import { createSmsCodeAuthenticator } from './sms-code.js';
import type { Authenticator } from './types.js';

/** What a builder may use: the container's services, the PII cipher, the upstream ports, the shared federated state, the callback URL. */
interface BuildContext {
  services: Services;
  cipher: PiiCipher;
  ports: Ports['upstreams'];
  settings: Ports['upstreamSettings'];
  state: FederatedState;
  redirectUri: (method: UpstreamName) => string;
}

/**
 * One entry per method of the vocabulary (the compiler refuses a missing one): how its
 * authenticator is built, undefined when its port is not configured.
 */
export const authenticatorBuilders = {
  qr: (b: BuildContext) => createQrScanAuthenticator({ qrLogin: b.services.qrLogin }),
  password: (b: BuildContext) => createPasswordAuthenticator({ passwordSignIn: b.services.passwordSignIn, lockout: b.services.lockout }),
  sms: (b: BuildContext) => createSmsCodeAuthenticator({ services: b.services, cipher: b.cipher }),
  essc: (b: BuildContext) => (b.ports.essc ? createEsscAuthenticator({ upstream: b.ports.essc, flows: b.services.flows, state: b.state, level: b.settings.essc.level }) : undefined),
  jszw: (b: BuildContext) => (b.ports.jszw ? createJszwAuthenticator({ upstream: b.ports.jszw, state: b.state, redirectUri: b.redirectUri('jszw'), levels: b.settings.jszw.levels }) : undefined),
  alipay: (b: BuildContext) =>
    b.ports.alipay ? createAlipayAuthenticator({ upstream: b.ports.alipay, state: b.state, redirectUri: b.redirectUri('alipay'), certifiedLevel: b.settings.alipay.certifiedLevel }) : undefined,
} as const satisfies Record<SignInMethod, (b: BuildContext) => Authenticator<never, never> | undefined>;

type Builders = typeof authenticatorBuilders;
/** The built authenticator of each enabled, configured method (typed per method). */
export type Authenticators = { federatedState: FederatedState } & {
  [M in SignInMethod]?: Builders[M] extends (b: BuildContext) => infer A ? Exclude<A, undefined> : never;
};

export const callbackPath = (method: UpstreamName) => `/federated/callback/${method}`;

export function createAuthenticators(deps: { config: Readonly<Config>; services: Services; cipher: PiiCipher; ports: Pick<Ports, 'upstreams' | 'upstreamSettings'>; stateKey: Buffer }): Authenticators {
  const { config, services } = deps;
  const state = createFederatedState({ flows: services.flows, key: deps.stateKey });
  const build: BuildContext = {
    services,
    cipher: deps.cipher,
    ports: deps.ports.upstreams,
    settings: deps.ports.upstreamSettings,
    state,
    redirectUri: (method) => `${config.issuer.replace(/\/+$/, '')}${callbackPath(method)}`,
  };
  const out: Authenticators = { federatedState: state };
  for (const method of signInMethods) {
    const builder = authenticatorBuilders[method];
    const built = config.login.methods.includes(method) ? builder(build) : undefined;
    if (built) Object.assign(out, { [method]: built });
  }
  return out;
}
