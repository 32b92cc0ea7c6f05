// The demo's 办件 desk, as a service would build it: applying creates a case reported to the
// provider's cases API (办理中) with a client-credentials token (scope cases:write), a simulated
// staff action completes it, and the 好差评 arrives at POST /webhooks/case-rating as a signed event
// verified against the provider's JWKS. Kept in memory (a demo).

import { randomBytes } from 'node:crypto';
import * as client from 'openid-client';
import { createRemoteJWKSet, jwtVerify } from 'jose';

export interface DemoCase {
  caseNo: string;
  sub: string;
  itemTitle: string;
  status: 'in_progress' | 'completed';
  rating?: { level: string; indicators: Record<string, number>; comment: string | null; ratedAt: string } | undefined;
}

export const ratingLevelLabels: Record<string, string> = {
  very_satisfied: '非常满意',
  satisfied: '满意',
  basically_satisfied: '基本满意',
  dissatisfied: '不满意',
  very_dissatisfied: '非常不满意',
};

/** The event type of a rating in the provider's Security Event Token. */
const caseRatedEvent = 'urn:jsrs:event:case_rated';
const maxCases = 10_000;

export interface CaseDesk {
  apply(sub: string, itemTitle: string): Promise<DemoCase>;
  complete(caseNo: string): Promise<DemoCase>;
  find(caseNo: string): DemoCase | undefined;
  /** Verifies a rating event (signature, issuer, audience) and files it under its case; false when it is not acceptable. */
  receiveRating(token: string): Promise<boolean>;
}

export function createCaseDesk(options: { issuer: string; clientId: string; baseUrl: string; configuration: () => Promise<client.Configuration> }): CaseDesk {
  const issuer = options.issuer.replace(/\/+$/, '');
  const cases = new Map<string, DemoCase>();
  let token: { value: string; until: number } | undefined;
  let jwks: ReturnType<typeof createRemoteJWKSet> | undefined;

  /** A client-credentials access token for the cases API, reused until shortly before it expires. */
  const accessToken = async (): Promise<string> => {
    if (token && token.until > Date.now()) return token.value;
    const tokens = await client.clientCredentialsGrant(await options.configuration(), { scope: 'cases:write' });
    token = { value: tokens.access_token, until: Date.now() + Math.max(0, (tokens.expires_in ?? 60) - 30) * 1000 };
    return token.value;
  };

  /** PUT /api/cases/{case_no}: the provider answers the case, or a JSON error. */
  const report = async (item: DemoCase, status: DemoCase['status'], note: string): Promise<void> => {
    const res = await fetch(`${issuer}/api/cases/${encodeURIComponent(item.caseNo)}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${await accessToken()}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        sub: item.sub,
        service: item.itemTitle,
        department: '江苏省人力资源和社会保障厅（示例）',
        status,
        status_note: note,
        detail_url: `${options.baseUrl}/cases/${item.caseNo}`,
        status_at: new Date().toISOString(),
      }),
    });
    if (res.status !== 200 && res.status !== 201) {
      const body = (await res.json().catch(() => ({}))) as { error?: string };
      throw new Error(`cases API answered ${res.status} ${body.error ?? ''}`);
    }
  };

  return {
    async apply(sub, itemTitle) {
      const caseNo = `DEMO-${new Date().toISOString().slice(0, 10).replaceAll('-', '')}-${randomBytes(4).toString('hex').toUpperCase()}`;
      const item: DemoCase = { caseNo, sub, itemTitle, status: 'in_progress' };
      await report(item, 'in_progress', '已收到申请，正在办理');
      if (cases.size >= maxCases) cases.delete(cases.keys().next().value as string);
      cases.set(caseNo, item);
      return item;
    },

    async complete(caseNo) {
      const item = cases.get(caseNo);
      if (!item) throw new Error('no such case');
      if (item.status !== 'completed') {
        await report(item, 'completed', '已办结，结果已送达');
        item.status = 'completed';
      }
      return item;
    },

    find: (caseNo) => cases.get(caseNo),

    async receiveRating(jwt) {
      jwks ??= createRemoteJWKSet(new URL((await options.configuration()).serverMetadata().jwks_uri as string));
      try {
        const { payload } = await jwtVerify(jwt, jwks, { issuer: (await options.configuration()).serverMetadata().issuer, audience: options.clientId, typ: 'secevent+jwt' });
        const event = (payload.events as Record<string, Record<string, unknown>> | undefined)?.[caseRatedEvent];
        const item = typeof event?.case_no === 'string' ? cases.get(event.case_no) : undefined;
        if (!event || !item || item.sub !== payload.sub) return false;
        item.rating = {
          level: String(event.level),
          indicators: (event.indicators ?? {}) as Record<string, number>,
          comment: typeof event.comment === 'string' ? event.comment : null,
          ratedAt: String(event.rated_at),
        };
        return true;
      } catch {
        return false;
      }
    },
  };
}
