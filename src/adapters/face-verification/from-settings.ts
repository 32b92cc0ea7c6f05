// The face verifier from resolved settings (src/adapters/upstreams/from-config.ts): the real
// Alipay identity-verification adapter, pointed at the mock in development; absent without keys.

import type { Clock } from '../../domain/clock.js';
import type { UpstreamSettings } from '../upstreams/from-config.js';
import { createHttpFaceVerifier } from './http.js';
import type { FaceVerifier } from './types.js';

export function createFaceVerifierFromSettings(settings: UpstreamSettings['face'], clock: Clock): FaceVerifier | undefined {
  if (!settings.privateKey || !settings.publicKey) return undefined;
  return createHttpFaceVerifier({
    appId: settings.appId,
    privateKeyPem: settings.privateKey,
    alipayPublicKeyPem: settings.publicKey,
    gatewayUrl: settings.gatewayUrl,
    timeoutMs: settings.timeoutMs,
    clock,
  });
}
