// The face-verification port: start a live face check for a named person and ask for its result.
// Real: http.ts (Alipay identity verification, alipay.user.certify.open.*) or its mock server.

/** The outcome of a certification; `pending` until the person has finished on the phone. */
export const faceResults = ['passed', 'failed', 'pending'] as const;
export type FaceResult = (typeof faceResults)[number];

export interface FaceInitializeInput {
  /** Our own unique order number for this check (letters and digits, at most 32). */
  outerOrderNo: string;
  name: string;
  /** AAC058 certificate type (`01` 居民身份证 …). */
  certType: string;
  idNumber: string;
  /** Where the phone returns once the check is done. */
  returnUrl?: string;
}

export interface FaceVerifier {
  /** Starts a check; `certifyUrl` is the page the person opens (QR on desktop). Throws UpstreamError. */
  initialize(input: FaceInitializeInput): Promise<{ certifyId: string; certifyUrl: string }>;
  /** The current result of a check; throws UpstreamError (e.g. for an unknown certify id). */
  query(certifyId: string): Promise<FaceResult>;
}
