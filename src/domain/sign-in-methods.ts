// The one vocabulary of sign-in methods (扫码, 账号密码, 手机动态码, 电子社保卡, 江苏政务, 支付宝) and of the
// upstream names: each method's amr values, label message key and audit event. Every other list of
// methods or upstreams (config enum, login tabs, authenticators, dashboards, health, audit) derives from here.

/** The upstream identity providers a citizen may sign in through (and link in the user centre). */
export const upstreamNames = ['essc', 'jszw', 'alipay'] as const;
export type UpstreamName = (typeof upstreamNames)[number];

/** Methods this provider checks itself: the login page's tabs, in the page's order. */
export const localMethods = ['qr', 'password', 'sms'] as const;
export type LocalMethod = (typeof localMethods)[number];

/** Every sign-in method, in the login page's order (tabs first, then the upstream buttons). */
export const signInMethods = [...localMethods, ...upstreamNames] as const;
export type SignInMethod = (typeof signInMethods)[number];

/** The amr value (CONTRACTS.md) each method this provider checks itself asserts. */
const localAmr = { qr: 'qr', password: 'pwd', sms: 'sms' } as const satisfies Record<LocalMethod, string>;

/** Every amr value (CONTRACTS.md): `pwd`, `sms`, `qr`, `face`, then `fed` with the upstream name. */
export const amrValues = [localAmr.password, localAmr.sms, localAmr.qr, 'face', 'fed', ...upstreamNames] as const;
export type Amr = (typeof amrValues)[number];

export interface SignInMethodInfo {
  /** What `amr` a sign-in by this method asserts. */
  amr: readonly Amr[];
  /** i18n key of its label on the login page (a tab, or an upstream's button). */
  label: `login.tab.${LocalMethod}` | `login.fed.${UpstreamName}`;
  /** The audit event its attempts are recorded under. */
  auditEvent: `signin.${SignInMethod}`;
}

function infoOf(method: SignInMethod): SignInMethodInfo {
  const auditEvent = `signin.${method}` as const;
  if (isUpstreamName(method)) return { amr: ['fed', method], label: `login.fed.${method}`, auditEvent };
  return { amr: [localAmr[method]], label: `login.tab.${method}`, auditEvent };
}

/** Each method's facts, derived from the lists above (so a new method needs only its name there). */
export const signInMethodInfo = Object.fromEntries(signInMethods.map((m) => [m, infoOf(m)])) as Record<SignInMethod, SignInMethodInfo>;

/** The audit events of sign-in attempts, one per method, in the vocabulary's order. */
export const signInAuditEvents = signInMethods.map((m) => `signin.${m}` as const);

export function isSignInMethod(value: unknown): value is SignInMethod {
  return typeof value === 'string' && (signInMethods as readonly string[]).includes(value);
}

export function isLocalMethod(value: unknown): value is LocalMethod {
  return typeof value === 'string' && (localMethods as readonly string[]).includes(value);
}

export function isUpstreamName(value: unknown): value is UpstreamName {
  return typeof value === 'string' && (upstreamNames as readonly string[]).includes(value);
}
