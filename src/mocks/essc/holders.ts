// Cardholders of the mock 电子社保卡 platform: the fixture holders plus, for tests, one synthetic
// holder whose card is reported lost (挂失, status '2').

import type { EsscFixtureHolder } from '../fixtures.js';

export interface EsscHolder {
  name: string;
  /** 社会保障号码 (the resident ID number). */
  idNumber: string;
  cardNo: string;
  issuerRegion: string;
  /** '1' normal; '2' lost (挂失), '3' frozen, '4' cancelled. */
  cardStatus: string;
}

/** A synthetic holder with a lost card; not in the fixture file, added by code and tests. */
export const lostCardHolder: EsscHolder = {
  name: '测试挂失', // synthetic; valid GB 11643 check digit, not in any fixture
  idNumber: '320102199001010010',
  cardNo: 'J99999902',
  issuerRegion: '320100',
  cardStatus: '2',
};

export function esscHoldersFromFixtures(fixture: readonly EsscFixtureHolder[]): EsscHolder[] {
  return fixture.map((h) => ({ ...h, cardStatus: '1' }));
}

/** 320102199001010010 → 3201**********0010 */
export function maskIdNumber(idNumber: string): string {
  if (idNumber.length <= 8) return `${idNumber.slice(0, 1)}${'*'.repeat(Math.max(idNumber.length - 1, 0))}`;
  return `${idNumber.slice(0, 4)}${'*'.repeat(idNumber.length - 8)}${idNumber.slice(-4)}`;
}
