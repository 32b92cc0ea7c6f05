// Population registry adapter for the provincial registry gateway: POST JSON
// { cert_type, id_number, name } signed as in signature.ts; 200 { result: 'match' | 'mismatch' }.
// A timeout, non-200, network error or unexpected body is 'unavailable'; it never throws.

import { z } from 'zod';
import { systemClock, type Clock } from '../../domain/clock.js';
import { newNonce, registryHeaders, signRegistryRequest } from './signature.js';
import type { PopulationRegistry, RegistryVerdict } from './types.js';
import { upstreamFetch } from '../upstream-fetch.js';

export interface HttpPopulationRegistryOptions {
  /** Full URL of the gateway's verify endpoint. */
  url: string;
  appKey: string;
  appSecret: string;
  timeoutMs: number;
  fetch?: typeof fetch;
  clock?: Clock;
}

const answerSchema = z.object({ result: z.enum(['match', 'mismatch']) });

export function createHttpPopulationRegistry(options: HttpPopulationRegistryOptions): PopulationRegistry {
  const doFetch = options.fetch ?? upstreamFetch;
  const clock = options.clock ?? systemClock;

  return {
    async verify(certType, number, name): Promise<RegistryVerdict> {
      const body = JSON.stringify({ cert_type: certType, id_number: number, name });
      const timestamp = String(clock.now().getTime());
      const nonce = newNonce();
      try {
        const response = await doFetch(options.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            accept: 'application/json',
            [registryHeaders.appKey]: options.appKey,
            [registryHeaders.timestamp]: timestamp,
            [registryHeaders.nonce]: nonce,
            [registryHeaders.signature]: signRegistryRequest(options.appSecret, timestamp, nonce, body),
          },
          body,
          signal: AbortSignal.timeout(options.timeoutMs),
        });
        if (response.status !== 200) {
          await response.body?.cancel();
          return 'unavailable';
        }
        const parsed = answerSchema.safeParse(await response.json());
        return parsed.success ? parsed.data.result : 'unavailable';
      } catch {
        return 'unavailable';
      }
    },
  };
}
