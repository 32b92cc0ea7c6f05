// In-memory state of the mock 电子社保卡 platform: login QR codes (2-minute life, one channel
// each) and the opaque esscNo of every holder (random, stable for the life of the mock).

import { randomBytes } from 'node:crypto';
import type { Clock } from '../../domain/clock.js';
import type { EsscHolder } from './holders.js';

export const qrLifetimeMs = 2 * 60 * 1000;

export type QrStatus = 'WAITING' | 'SCANNED' | 'AUTHORIZED' | 'REJECTED' | 'EXPIRED';

interface QrRecord {
  channelNo: string;
  expiresAt: number;
  status: Exclude<QrStatus, 'EXPIRED'>;
  esscNo?: string;
}

export type QrView = { qrId: string; channelNo: string; expiresAt: number } & (
  | { status: Exclude<QrStatus, 'AUTHORIZED'> }
  | { status: 'AUTHORIZED'; esscNo: string }
);

export interface EsscMockState {
  holders: readonly EsscHolder[];
  createQr(channelNo: string): { qrId: string; expiresAt: number };
  /** The QR as it stands now (EXPIRED once its life is over), or undefined if unknown. */
  viewQr(qrId: string): QrView | undefined;
  markScanned(qrId: string): void;
  /** Records the phone's answer; false when the QR is no longer open for one. */
  answer(qrId: string, answer: { authorize: EsscHolder } | { reject: true }): boolean;
  holderByEsscNo(esscNo: string): EsscHolder | undefined;
}

export function createEsscMockState(holders: readonly EsscHolder[], clock: Clock): EsscMockState {
  const qrs = new Map<string, QrRecord>();
  const esscNoByCard = new Map<string, string>();
  const holderByEsscNo = new Map<string, EsscHolder>();
  for (const holder of holders) {
    const esscNo = `E${randomBytes(12).toString('hex').toUpperCase()}`;
    esscNoByCard.set(holder.cardNo, esscNo);
    holderByEsscNo.set(esscNo, holder);
  }

  const view = (qrId: string, record: QrRecord): QrView => {
    const base = { qrId, channelNo: record.channelNo, expiresAt: record.expiresAt };
    if (clock.now().getTime() >= record.expiresAt) return { ...base, status: 'EXPIRED' };
    if (record.status === 'AUTHORIZED') return { ...base, status: 'AUTHORIZED', esscNo: record.esscNo ?? '' };
    return { ...base, status: record.status };
  };

  return {
    holders,
    createQr(channelNo) {
      const now = clock.now().getTime();
      for (const [id, record] of qrs) if (record.expiresAt + qrLifetimeMs < now) qrs.delete(id);
      const qrId = randomBytes(16).toString('base64url');
      const expiresAt = now + qrLifetimeMs;
      qrs.set(qrId, { channelNo, expiresAt, status: 'WAITING' });
      return { qrId, expiresAt };
    },
    viewQr(qrId) {
      const record = qrs.get(qrId);
      return record && view(qrId, record);
    },
    markScanned(qrId) {
      const record = qrs.get(qrId);
      if (record && view(qrId, record).status === 'WAITING') record.status = 'SCANNED';
    },
    answer(qrId, answer) {
      const record = qrs.get(qrId);
      if (!record) return false;
      const status = view(qrId, record).status;
      if (status !== 'WAITING' && status !== 'SCANNED') return false;
      if ('reject' in answer) {
        record.status = 'REJECTED';
        return true;
      }
      const esscNo = esscNoByCard.get(answer.authorize.cardNo);
      if (esscNo === undefined) return false;
      record.status = 'AUTHORIZED';
      record.esscNo = esscNo;
      return true;
    },
    holderByEsscNo: (esscNo) => holderByEsscNo.get(esscNo),
  };
}
