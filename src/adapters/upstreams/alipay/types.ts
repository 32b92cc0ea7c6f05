// What the Alipay upstream asserts about a citizen after a successful sign-in, and the port the
// alipay authenticator calls (real: http.ts against the Alipay gateway or its mock).

export interface UpstreamIdentity {
  upstream: 'alipay';
  /** Alipay `open_id` (per app), falling back to the legacy `user_id`. */
  subject: string;
  /** Legal name; only for certified (`is_certified = T`) users. */
  name?: string;
  /** AAC058 `01` when the certified document is a resident ID card (Alipay cert_type `0`). */
  certType?: '01';
  idNumber?: string;
  certified: boolean;
  /** Alipay nickname, for display only. */
  displayName?: string;
}

export interface AlipayUpstream {
  /** The Alipay authorisation page URL the browser is redirected to. */
  authorizationUrl(input: { state: string; redirectUri: string }): string;
  /** Redeems the `auth_code` Alipay returned; throws UpstreamError on any failure. */
  exchange(authCode: string): Promise<UpstreamIdentity>;
}
