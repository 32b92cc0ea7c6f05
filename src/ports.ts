// The composition root's ports: every adapter to the outside world (population registry, SMS, rights
// records, face, the upstream sign-ins) built once from Config and instrumented. A port whose driver is
// not configured comes from the fallback the root passes (the development mocks), or is refused.

import type { Config } from './config/schema.js';
import type { Clock } from './domain/clock.js';
import { upstreamNames, type UpstreamName } from './domain/sign-in-methods.js';
import type { Logger } from './log/logger.js';
import { createFaceVerifierFromSettings } from './adapters/face-verification/from-settings.js';
import type { FaceVerifier } from './adapters/face-verification/types.js';
import { createHttpPopulationRegistry } from './adapters/population-registry/http.js';
import type { PopulationRegistry } from './adapters/population-registry/types.js';
import { createHttpRightsRecordSource } from './adapters/rights-record/http.js';
import type { RightsRecordSource } from './adapters/rights-record/types.js';
import type { DevSmsGateway } from './adapters/sms/dev.js';
import { createHttpSmsGateway } from './adapters/sms/http.js';
import type { SmsGateway } from './adapters/sms/types.js';
import { createUpstreamPorts, resolveUpstreamSettings, type UpstreamPorts, type UpstreamSettings } from './adapters/upstreams/from-config.js';
import { UpstreamError } from './errors/app-error.js';
import { createUpstreamHealth, instrumentUpstream, type UpstreamHealth } from './services/upstream-health.js';

export interface Ports {
  /** The upstream settings resolved once (dev keys filled in outside production); the dev mocks use the same object. */
  upstreamSettings: UpstreamSettings;
  /** Recent outcomes of the upstream calls (every failure is also logged). */
  upstreamHealth: UpstreamHealth;
  registry: PopulationRegistry;
  sms: SmsGateway;
  /** The development outbox, when the dev gateway is in use. */
  devSms: DevSmsGateway | undefined;
  /** 我的权益单: the social-insurance core system's personal rights records. */
  rights: RightsRecordSource;
  /** The face verifier (instrumented), when its keys are set. */
  face: FaceVerifier | undefined;
  /** The upstream sign-in ports whose settings are complete. */
  upstreams: UpstreamPorts;
}

/** Stand-ins for the ports whose driver is not configured: the development wiring (src/mocks/dev-ports.ts). */
export interface FallbackPorts {
  registry(): PopulationRegistry;
  rights(): RightsRecordSource;
  sms(): DevSmsGateway;
}

function buildRegistry(config: Readonly<Config>, fallback: FallbackPorts | undefined): PopulationRegistry {
  const settings = config.adapters.registry;
  if (settings.driver === 'http') {
    if (!settings.url || !settings.appKey || !settings.appSecret) throw new Error('REGISTRY_URL, REGISTRY_APP_KEY and REGISTRY_APP_SECRET are required for the http registry');
    return createHttpPopulationRegistry({ url: settings.url, appKey: settings.appKey, appSecret: settings.appSecret, timeoutMs: settings.timeoutMs });
  }
  if (!fallback) throw new Error('the mock population registry is refused in production');
  return fallback.registry();
}

function buildRights(config: Readonly<Config>, fallback: FallbackPorts | undefined): RightsRecordSource {
  const settings = config.adapters.rights;
  if (settings.driver === 'http') {
    if (!settings.url) throw new Error('RIGHTS_URL is required for the http rights record source');
    return createHttpRightsRecordSource({ url: settings.url, apiKey: settings.apiKey ?? '', timeoutMs: settings.timeoutMs });
  }
  // Never synthetic records in production: until RIGHTS_URL is set, 我的权益单 says 暂时无法查询.
  if (!fallback) return { recordFor: () => Promise.reject(new UpstreamError('rights', 'rights.unavailable')) };
  return fallback.rights();
}

function buildSms(config: Readonly<Config>, fallback: FallbackPorts | undefined): { sms: SmsGateway; devSms: DevSmsGateway | undefined } {
  const settings = config.adapters.sms;
  if (settings.driver === 'http') {
    if (!settings.url) throw new Error('SMS_URL is required for the http SMS gateway');
    return { sms: createHttpSmsGateway({ url: settings.url, apiKey: settings.apiKey ?? '', timeoutMs: settings.timeoutMs }), devSms: undefined };
  }
  if (!fallback) throw new Error('the development SMS gateway is refused in production');
  const devSms = fallback.sms();
  return { sms: devSms, devSms };
}

/** Every port of this process; `fallback` is undefined in production (no mock is ever built there). */
export function createPorts(deps: { config: Readonly<Config>; clock: Clock; logger: Logger; fallback: FallbackPorts | undefined }): Ports {
  const { config, clock, logger } = deps;
  const fallback = config.env === 'production' ? undefined : deps.fallback;
  const upstreamSettings = resolveUpstreamSettings(config);
  // Every upstream port is instrumented: failures logged (upstream, operation, error class, latency) and counted.
  const upstreamHealth = createUpstreamHealth(() => clock.now());
  const watch = { logger, health: upstreamHealth };
  const registry = instrumentUpstream('registry', buildRegistry(config, fallback), { ...watch, failedAnswer: (_op, answer) => (answer === 'unavailable' ? 'unavailable' : undefined) });
  const built = buildSms(config, fallback);
  const face = createFaceVerifierFromSettings(upstreamSettings.face, clock);
  const ports = createUpstreamPorts(upstreamSettings, clock);
  const upstreams: UpstreamPorts = {};
  const instrument = <N extends UpstreamName>(name: N) => {
    const port = ports[name];
    if (port) upstreams[name] = instrumentUpstream(name, port, watch);
  };
  for (const name of upstreamNames) instrument(name);
  return {
    upstreamSettings,
    upstreamHealth,
    registry,
    sms: instrumentUpstream('sms', built.sms, watch),
    devSms: built.devSms,
    rights: buildRights(config, fallback),
    face: face ? instrumentUpstream('face', face, watch) : undefined,
    upstreams,
  };
}
