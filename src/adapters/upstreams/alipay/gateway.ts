// HTTP client for the Alipay OpenAPI gateway (`gateway.do`), shared by the Alipay login and the
// face-verification adapters: signs requests, verifies the response signature over the raw
// `…_response` text, and turns every failure into an UpstreamError with a non-secret reason.

import { systemClock, type Clock } from '../../../domain/clock.js';
import { AppError, UpstreamError } from '../../../errors/app-error.js';
import {
  extractRawMember,
  formatGatewayTimestamp,
  loadPrivateKey,
  loadPublicKey,
  responseKey,
  signParams,
  verifyText,
  type GatewayParams,
} from '../alipay-signing.js';
import { upstreamFetch } from '../../upstream-fetch.js';

export const gatewayFailureReasons = [
  'timeout',
  'network',
  'http_status',
  'invalid_body',
  'invalid_signature',
  'gateway_error',
  'incomplete_response',
  'invalid_input',
] as const;
export type GatewayFailureReason = (typeof gatewayFailureReasons)[number];

/** The cause attached to an UpstreamError: why the call failed, safe to log (no tokens, no PII). */
export class GatewayFailure extends Error {
  readonly reason: GatewayFailureReason;
  /** Alipay's `code` / `sub_code` for `gateway_error`, the HTTP status for `http_status`. */
  readonly detail: string | undefined;
  constructor(reason: GatewayFailureReason, detail?: string, options?: { cause?: unknown }) {
    super(detail ? `${reason}: ${detail}` : reason, options);
    this.name = 'GatewayFailure';
    this.reason = reason;
    this.detail = detail;
  }
}

/** The non-secret failure reason behind an error from these adapters (for logs and metrics). */
export function gatewayFailureOf(err: unknown): GatewayFailure | undefined {
  return err instanceof UpstreamError && err.cause instanceof GatewayFailure ? err.cause : undefined;
}

export interface AlipayGatewayOptions {
  /** Name carried by the UpstreamError (`alipay`, `face`). */
  upstream: string;
  appId: string;
  /** The app's private key (PEM or Alipay's bare base64). */
  privateKeyPem: string;
  /** Alipay's public key (PEM or bare base64), to verify responses. */
  alipayPublicKeyPem: string;
  gatewayUrl: string;
  timeoutMs: number;
  fetch?: typeof fetch;
  clock?: Clock;
}

export interface AlipayGatewayClient {
  /**
   * Calls `method` and returns its verified `…_response` object (code 10000 or no code).
   * Throws UpstreamError (cause: GatewayFailure) on any failure.
   */
  call(method: string, params: GatewayParams): Promise<Record<string, unknown>>;
  /** A signed GET URL for `method` (the SDK's pageExecute GET), for a page the user opens. */
  pageUrl(method: string, params: GatewayParams): string;
}

/** Throws AppError('errors.internal') when a configured key cannot be read. */
export function createAlipayGatewayClient(options: AlipayGatewayOptions): AlipayGatewayClient {
  const { upstream, appId, gatewayUrl, timeoutMs } = options;
  const doFetch = options.fetch ?? upstreamFetch;
  const clock = options.clock ?? systemClock;
  const privateKey = loadKey(() => loadPrivateKey(options.privateKeyPem));
  const alipayKey = loadKey(() => loadPublicKey(options.alipayPublicKeyPem));

  const fail = (reason: GatewayFailureReason, detail?: string, cause?: unknown): UpstreamError =>
    new UpstreamError(upstream, undefined, { cause: new GatewayFailure(reason, detail, { cause }) });

  const signed = (method: string, params: GatewayParams): Record<string, string> =>
    signParams(
      {
        app_id: appId,
        method,
        format: 'JSON',
        charset: 'utf-8',
        sign_type: 'RSA2',
        timestamp: formatGatewayTimestamp(clock.now()),
        version: '1.0',
        ...params,
      },
      privateKey,
    );

  async function send(method: string, params: GatewayParams): Promise<string> {
    const signal = AbortSignal.timeout(timeoutMs);
    try {
      const response = await doFetch(gatewayUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded;charset=utf-8', accept: 'application/json' },
        body: new URLSearchParams(signed(method, params)).toString(),
        signal,
        redirect: 'error',
      });
      if (response.status !== 200) {
        await response.body?.cancel().catch(() => undefined);
        throw fail('http_status', String(response.status));
      }
      return await response.text();
    } catch (err) {
      if (err instanceof UpstreamError) throw err;
      if (signal.aborted) throw fail('timeout', `${timeoutMs} ms`, err);
      throw fail('network', err instanceof Error ? err.name : undefined, err);
    }
  }

  async function call(method: string, params: GatewayParams): Promise<Record<string, unknown>> {
    const body = await send(method, params);
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch (err) {
      throw fail('invalid_body', 'not JSON', err);
    }
    if (!isRecord(parsed)) throw fail('invalid_body', 'not a JSON object');
    const sign = typeof parsed.sign === 'string' ? parsed.sign : undefined;
    const key = responseKey(method);
    const isError = !(key in parsed) && 'error_response' in parsed;
    const raw = extractRawMember(body, isError ? 'error_response' : key);
    const section = parsed[isError ? 'error_response' : key];
    if (raw === undefined || !isRecord(section)) throw fail('invalid_body', `no ${key}`);
    // Alipay may leave an error_response unsigned (e.g. an unknown app); a success must be signed.
    if ((sign !== undefined || !isError) && (sign === undefined || !verifyText(raw, sign, alipayKey))) {
      throw fail('invalid_signature');
    }
    const code = section.code;
    if (isError || (code !== undefined && code !== '10000')) {
      throw fail('gateway_error', [code, section.sub_code].filter((x) => typeof x === 'string').join(' '));
    }
    return section;
  }

  return {
    call,
    pageUrl: (method, params) => `${gatewayUrl}?${new URLSearchParams(signed(method, params)).toString()}`,
  };
}

function loadKey<T>(load: () => T): T {
  try {
    return load();
  } catch (err) {
    throw new AppError('errors.internal', 500, {}, { cause: err });
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Wraps a failure found while reading a verified response (missing field etc.). */
export function incompleteResponse(upstream: string, detail: string): UpstreamError {
  return new UpstreamError(upstream, undefined, { cause: new GatewayFailure('incomplete_response', detail) });
}

/** Rejects a caller-supplied value before any call is made. */
export function invalidInput(upstream: string, detail: string): UpstreamError {
  return new UpstreamError(upstream, undefined, { cause: new GatewayFailure('invalid_input', detail) });
}
