// The 电子社保卡 (national e-SSC platform) port as the provider's e-SSC authenticator sees it:
// ask for a login QR code, poll its status, then read the authorised holder's card.

import type { UpstreamIdentity } from '../types.js';

export const esscQrStatuses = ['waiting', 'scanned', 'authorized', 'rejected', 'expired'] as const;
export type EsscQrStatus = (typeof esscQrStatuses)[number];

export interface EsscLoginQr {
  qrId: string;
  /** The URL the phone opens (encode it in the QR code). */
  qrContent: string;
  expiresAt: Date;
}

export type EsscQueryResult =
  | { status: Exclude<EsscQrStatus, 'authorized'> }
  | { status: 'authorized'; esscNo: string };

export interface EsscCardInfo {
  identity: UpstreamIdentity;
  /** Card status '1' (normal); a lost, frozen or cancelled card is not normal. */
  cardStatusNormal: boolean;
  cardNo: string;
  issuerRegion: string;
}

/** Every method throws UpstreamError('essc') on any failure (transport, platform code, bad sign). */
export interface EsscUpstream {
  createLoginQr(): Promise<EsscLoginQr>;
  query(qrId: string): Promise<EsscQueryResult>;
  cardInfo(esscNo: string): Promise<EsscCardInfo>;
}
