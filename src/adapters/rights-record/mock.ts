// Synthetic rights records for every person of the population-registry fixture, derived from the
// document number (the same person always gets the same record); nobody else has one.

import { createHash } from 'node:crypto';
import { insuranceTypes, type RightsRecord, type RightsRecordSource } from './types.js';

const places = ['南京市', '苏州市', '无锡市', '常州市', '南通市', '徐州市'];

export function syntheticRightsRecord(documentNumber: string, currentYear: number): RightsRecord {
  const seed = createHash('sha256').update(documentNumber).digest();
  const byte = (i: number) => seed[i % seed.length] as number;
  const firstYear = currentYear - 3 - (byte(0) % 15);
  const place = places[byte(1) % places.length] as string;
  const years = Array.from({ length: Math.min(5, currentYear - firstYear) }, (_, i) => {
    const year = currentYear - 1 - i;
    return { year, base: 4000 + byte(2 + i) * 40, months: 12 - (byte(7 + i) % 3 === 0 ? byte(7 + i) % 4 : 0) };
  });
  const months = (currentYear - firstYear) * 12 - (byte(12) % 10);
  return {
    insurances: insuranceTypes.map((type, i) => ({
      type,
      status: i === 2 && byte(13) % 4 === 0 ? 'suspended' : 'active',
      place,
      firstMonth: `${firstYear + (i > 2 ? 1 : 0)}-${String(1 + (byte(14 + i) % 12)).padStart(2, '0')}`,
      months: months - (i > 2 ? 12 : 0),
      ...(type === 'pension' ? { accountBalance: Math.round(months * (320 + byte(20))) } : {}),
      ...(type === 'medical' ? { accountBalance: Math.round(months * (45 + byte(21) / 4)) } : {}),
    })),
    years,
    benefits: byte(22) % 3 === 0 ? [{ kind: '生育津贴', amount: 12000 + byte(23) * 50, period: `${currentYear - 2}` }] : [],
  };
}

export function createMockRightsRecordSource(deps: { people: ReadonlyArray<{ certType: string; idNumber: string }>; now?: () => Date }): RightsRecordSource {
  const known = new Set(deps.people.map((p) => `${p.certType}:${p.idNumber}`));
  const now = deps.now ?? (() => new Date());
  return {
    async recordFor(certType, documentNumber) {
      if (!known.has(`${certType}:${documentNumber}`)) return undefined;
      return syntheticRightsRecord(documentNumber, now().getUTCFullYear());
    },
  };
}
