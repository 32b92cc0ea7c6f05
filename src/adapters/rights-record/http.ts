// The social-insurance core system over HTTP: POST {url} JSON { cert_type, id_number } with
// `Authorization: Bearer <api key>`; 200 with the record, 404 for an unknown person. A timeout,
// another status, a network error or an unexpected body throws UpstreamError('rights').

import { z } from 'zod';
import { UpstreamError } from '../../errors/app-error.js';
import { insuranceTypes, type RightsRecord, type RightsRecordSource } from './types.js';
import { upstreamFetch } from '../upstream-fetch.js';

const recordSchema = z.object({
  insurances: z.array(z.object({
    type: z.enum(insuranceTypes),
    status: z.enum(['active', 'suspended', 'terminated']),
    place: z.string().max(100),
    first_month: z.string().regex(/^\d{4}-\d{2}$/),
    months: z.number().int().min(0),
    account_balance: z.number().min(0).optional(),
  })).max(20),
  years: z.array(z.object({ year: z.number().int(), base: z.number().min(0), months: z.number().int().min(0).max(12) })).max(100),
  benefits: z.array(z.object({ kind: z.string().max(100), amount: z.number(), period: z.string().max(50) })).max(200),
});

export function createHttpRightsRecordSource(options: { url: string; apiKey: string; timeoutMs: number; fetch?: typeof fetch }): RightsRecordSource {
  const doFetch = options.fetch ?? upstreamFetch;
  return {
    async recordFor(certType, documentNumber): Promise<RightsRecord | undefined> {
      let response: Response;
      try {
        response = await doFetch(options.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/json', authorization: `Bearer ${options.apiKey}` },
          body: JSON.stringify({ cert_type: certType, id_number: documentNumber }),
          signal: AbortSignal.timeout(options.timeoutMs),
        });
      } catch (err) {
        throw new UpstreamError('rights', 'rights.unavailable', { cause: err });
      }
      if (response.status === 404) {
        await response.body?.cancel();
        return undefined;
      }
      if (response.status !== 200) {
        await response.body?.cancel();
        throw new UpstreamError('rights', 'rights.unavailable');
      }
      const parsed = recordSchema.safeParse(await response.json().catch(() => undefined));
      if (!parsed.success) throw new UpstreamError('rights', 'rights.unavailable');
      const r = parsed.data;
      return {
        insurances: r.insurances.map((i) => ({ type: i.type, status: i.status, place: i.place, firstMonth: i.first_month, months: i.months, accountBalance: i.account_balance })),
        years: r.years,
        benefits: r.benefits,
      };
    },
  };
}
