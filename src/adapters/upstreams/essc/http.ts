// e-SSC adapter: the provider as a channel of the 电子社保卡 platform, over the signed and
// encrypted envelope of protocol.ts. Points at the mock or the real platform by `baseUrl` alone.

import { z } from 'zod';
import { systemClock, type Clock } from '../../../domain/clock.js';
import { UpstreamError } from '../../../errors/app-error.js';
import { esscFailure } from './failure.js';
import { esscCodes, openEnvelope, parseChannelKey, sealEnvelope, type EsscChannelKeys } from './protocol.js';
import type { EsscCardInfo, EsscLoginQr, EsscQueryResult, EsscUpstream } from './types.js';
import { upstreamFetch } from '../../upstream-fetch.js';

export interface EsscUpstreamOptions {
  /** Platform base URL; the APIs are `<baseUrl>/api/...`. */
  baseUrl: string;
  channelNo: string;
  secret: string;
  /** 16-byte channel key as 32 hex characters. */
  key: string;
  timeoutMs: number;
  fetch?: typeof fetch;
  clock?: Clock;
}

const responseSchema = z.object({
  code: z.string(),
  message: z.string().optional(),
  channelNo: z.string().optional(),
  timestamp: z.string().optional(),
  nonce: z.string().optional(),
  security: z.string().optional(),
  sign: z.string().optional(),
});

const qrSchema = z.object({ qrId: z.string().min(1), qrContent: z.url(), expiresIn: z.number().int().positive() });
const querySchema = z.discriminatedUnion('status', [
  z.object({ status: z.enum(['WAITING', 'SCANNED', 'REJECTED', 'EXPIRED']) }),
  z.object({ status: z.literal('AUTHORIZED'), esscNo: z.string().min(1) }),
]);
const cardSchema = z.object({
  name: z.string().min(1),
  idNumber: z.string().min(1),
  cardNo: z.string().min(1),
  issuerRegion: z.string(),
  cardStatus: z.string(),
});
const reqNonceSchema = z.object({ reqNonce: z.string() });

export function createEsscUpstream(options: EsscUpstreamOptions): EsscUpstream {
  parseChannelKey(options.key);
  const doFetch = options.fetch ?? upstreamFetch;
  const clock = options.clock ?? systemClock;
  const channel: EsscChannelKeys = { channelNo: options.channelNo, secret: options.secret, key: options.key };
  const base = options.baseUrl.replace(/\/+$/, '');

  /** Sends one sealed request and returns the opened, request-bound business body. */
  async function call<T>(path: string, body: Record<string, unknown>, schema: z.ZodType<T>): Promise<T> {
    const envelope = sealEnvelope(channel, body, clock.now());
    let raw: unknown;
    try {
      const response = await doFetch(`${base}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify(envelope),
        signal: AbortSignal.timeout(options.timeoutMs),
      });
      if (response.status >= 500) {
        await response.body?.cancel();
        throw esscFailure(`HTTP ${response.status} from ${path}`);
      }
      raw = await response.json();
    } catch (error) {
      if (error instanceof UpstreamError) throw error;
      throw esscFailure(`request to ${path} failed`, error);
    }
    const parsed = responseSchema.safeParse(raw);
    if (!parsed.success) throw esscFailure(`unexpected response shape from ${path}`);
    const answer = parsed.data;
    if (answer.code !== esscCodes.ok) throw esscFailure(`platform code ${answer.code} from ${path}`);
    const { channelNo, timestamp, nonce, security, sign } = answer;
    if (channelNo === undefined || timestamp === undefined || nonce === undefined || security === undefined || sign === undefined) {
      throw esscFailure(`unsigned success response from ${path}`);
    }
    if (channelNo !== options.channelNo) throw esscFailure(`response for another channel from ${path}`);
    const opened = openEnvelope(channel, { channelNo, timestamp, nonce, security, sign }, clock.now());
    if (!opened.ok) throw esscFailure(`response rejected (${opened.code}) from ${path}`);
    const bound = reqNonceSchema.safeParse(opened.body);
    if (!bound.success || bound.data.reqNonce !== envelope.nonce) throw esscFailure(`response not bound to request at ${path}`);
    const data = schema.safeParse(opened.body);
    if (!data.success) throw esscFailure(`unexpected business body from ${path}`);
    return data.data;
  }

  return {
    async createLoginQr(): Promise<EsscLoginQr> {
      const requestedAt = clock.now().getTime();
      const qr = await call('/api/login/qrcode', {}, qrSchema);
      return { qrId: qr.qrId, qrContent: qr.qrContent, expiresAt: new Date(requestedAt + qr.expiresIn * 1000) };
    },

    async query(qrId): Promise<EsscQueryResult> {
      const result = await call('/api/login/query', { qrId }, querySchema);
      if (result.status === 'AUTHORIZED') return { status: 'authorized', esscNo: result.esscNo };
      const statuses = { WAITING: 'waiting', SCANNED: 'scanned', REJECTED: 'rejected', EXPIRED: 'expired' } as const;
      return { status: statuses[result.status] };
    },

    async cardInfo(esscNo): Promise<EsscCardInfo> {
      const card = await call('/api/card/info', { esscNo }, cardSchema);
      return {
        identity: {
          upstream: 'essc',
          subject: card.cardNo,
          name: card.name,
          certType: '01',
          idNumber: card.idNumber,
          assertedLevel: 'real_name',
          attributes: { cardNo: card.cardNo, issuerRegion: card.issuerRegion },
        },
        cardStatusNormal: card.cardStatus === '1',
        cardNo: card.cardNo,
        issuerRegion: card.issuerRegion,
      };
    },
  };
}
