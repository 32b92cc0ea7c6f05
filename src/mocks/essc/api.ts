// The mock 电子社保卡 platform's channel APIs: sealed envelopes in and out (protocol.ts);
// POST /api/login/qrcode, /api/login/query, /api/card/info. Bad requests get a coded error.

import type Koa from 'koa';
import { z } from 'zod';
import type { Clock } from '../../domain/clock.js';
import {
  esscCodes,
  openEnvelope,
  sealEnvelope,
  type EsscChannelKeys,
  type EsscCode,
} from '../../adapters/upstreams/essc/protocol.js';
import { readJsonObject } from '../shared/body.js';
import type { EsscMockState } from './state.js';

const envelopeSchema = z.object({
  channelNo: z.string(),
  timestamp: z.string(),
  nonce: z.string().min(8).max(64),
  security: z.string(),
  sign: z.string(),
});
const queryBody = z.object({ qrId: z.string().min(1).max(64) });
const cardBody = z.object({ esscNo: z.string().min(1).max(64) });

type Handler = (body: unknown, channel: EsscChannelKeys) => { ok: true; data: object } | { ok: false; code: EsscCode; status: number };

export interface EsscApiDeps {
  state: EsscMockState;
  channels: readonly EsscChannelKeys[];
  baseUrl: string;
  clock: Clock;
}

export function createEsscApi(deps: EsscApiDeps): Koa.Middleware {
  const { state, clock } = deps;
  const phoneUrl = `${deps.baseUrl.replace(/\/+$/, '')}/h5/authorize`;

  const handlers: Record<string, Handler> = {
    '/api/login/qrcode': (_body, channel) => {
      const qr = state.createQr(channel.channelNo);
      const qrContent = `${phoneUrl}?qrId=${encodeURIComponent(qr.qrId)}`;
      return { ok: true, data: { qrId: qr.qrId, qrContent, expiresIn: Math.round((qr.expiresAt - clock.now().getTime()) / 1000) } };
    },
    '/api/login/query': (body, channel) => {
      const parsed = queryBody.safeParse(body);
      if (!parsed.success) return { ok: false, code: esscCodes.badRequest, status: 400 };
      const qr = state.viewQr(parsed.data.qrId);
      if (!qr || qr.channelNo !== channel.channelNo) return { ok: false, code: esscCodes.qrNotFound, status: 404 };
      return { ok: true, data: qr.status === 'AUTHORIZED' ? { status: qr.status, esscNo: qr.esscNo } : { status: qr.status } };
    },
    '/api/card/info': (body) => {
      const parsed = cardBody.safeParse(body);
      if (!parsed.success) return { ok: false, code: esscCodes.badRequest, status: 400 };
      const holder = state.holderByEsscNo(parsed.data.esscNo);
      if (!holder) return { ok: false, code: esscCodes.cardNotFound, status: 404 };
      const { name, idNumber, cardNo, issuerRegion, cardStatus } = holder;
      return { ok: true, data: { name, idNumber, cardNo, issuerRegion, cardStatus } };
    },
  };

  const refuse = (ctx: Koa.Context, status: number, code: EsscCode, message: string) => {
    ctx.status = status;
    ctx.body = { code, message };
  };

  return async (ctx, next) => {
    const handler = handlers[ctx.path];
    if (!handler) return next();
    if (ctx.method !== 'POST') return refuse(ctx, 405, esscCodes.badRequest, 'POST only');
    const envelope = envelopeSchema.safeParse(await readJsonObject(ctx));
    if (!envelope.success) return refuse(ctx, 400, esscCodes.badRequest, 'malformed envelope');
    const channel = deps.channels.find((c) => c.channelNo === envelope.data.channelNo);
    if (!channel) return refuse(ctx, 401, esscCodes.unknownChannel, 'unknown channel');
    const opened = openEnvelope(channel, envelope.data, clock.now());
    if (!opened.ok) {
      const messages = { [esscCodes.badSign]: 'bad sign', [esscCodes.staleTimestamp]: 'stale timestamp', [esscCodes.badSecurity]: 'undecryptable security' };
      return refuse(ctx, 401, opened.code, messages[opened.code]);
    }
    const result = handler(opened.body, channel);
    if (!result.ok) return refuse(ctx, result.status, result.code, 'request refused');
    const sealed = sealEnvelope(channel, { reqNonce: envelope.data.nonce, ...result.data }, clock.now());
    ctx.body = { code: esscCodes.ok, message: 'success', ...sealed };
  };
}
