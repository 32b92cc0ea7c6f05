// Mock provincial population registry gateway (own Koa app): implements the signed contract of
// src/adapters/population-registry/signature.ts on `POST /verify` over the fixture people.

import Koa from 'koa';
import { z } from 'zod';
import { systemClock, type Clock } from '../../domain/clock.js';
import {
  registryHeaders,
  registryMaxSkewMs,
  verifyRegistrySignature,
} from '../../adapters/population-registry/signature.js';
import { readRawBody } from '../shared/body.js';

export interface PopulationRegistryMockOptions {
  people: ReadonlyArray<{ certType: string; idNumber: string; name: string }>;
  apps: ReadonlyArray<{ appKey: string; appSecret: string }>;
  clock?: Clock;
}

const requestSchema = z.object({ cert_type: z.string(), id_number: z.string(), name: z.string() });

export function createPopulationRegistryMock(options: PopulationRegistryMockOptions): Koa {
  const clock = options.clock ?? systemClock;
  const keyOf = (certType: string, idNumber: string, name: string) => JSON.stringify([certType, idNumber, name]);
  const known = new Set(options.people.map((p) => keyOf(p.certType, p.idNumber, p.name)));
  const seenNonces = new Map<string, number>();
  const app = new Koa();

  const refuse = (ctx: Koa.Context, status: number, error: string) => {
    ctx.status = status;
    ctx.body = { error };
  };

  app.use(async (ctx) => {
    if (ctx.path !== '/verify') return refuse(ctx, 404, 'not_found');
    if (ctx.method !== 'POST') return refuse(ctx, 405, 'method_not_allowed');
    const raw = await readRawBody(ctx);
    const appKey = ctx.get(registryHeaders.appKey);
    const timestamp = ctx.get(registryHeaders.timestamp);
    const nonce = ctx.get(registryHeaders.nonce);
    const signature = ctx.get(registryHeaders.signature);
    const registered = options.apps.find((a) => a.appKey === appKey);
    if (!registered || !/^\d{1,15}$/.test(timestamp) || !nonce || !signature) return refuse(ctx, 401, 'invalid_signature');
    if (!verifyRegistrySignature(registered.appSecret, timestamp, nonce, raw, signature)) {
      return refuse(ctx, 401, 'invalid_signature');
    }
    const now = clock.now().getTime();
    if (Math.abs(now - Number(timestamp)) > registryMaxSkewMs) return refuse(ctx, 401, 'stale_timestamp');
    for (const [seen, at] of seenNonces) if (now - at > registryMaxSkewMs) seenNonces.delete(seen);
    if (seenNonces.has(nonce)) return refuse(ctx, 401, 'replayed_nonce');
    seenNonces.set(nonce, now);

    let parsed: z.ZodSafeParseResult<z.output<typeof requestSchema>>;
    try {
      parsed = requestSchema.safeParse(JSON.parse(raw));
    } catch {
      return refuse(ctx, 400, 'invalid_request');
    }
    if (!parsed.success) return refuse(ctx, 400, 'invalid_request');
    const { cert_type: certType, id_number: idNumber, name } = parsed.data;
    ctx.body = { result: known.has(keyOf(certType, idNumber, name)) ? 'match' : 'mismatch' };
  });
  return app;
}
