// Alipay OpenAPI RSA2 signing (SHA256withRSA), shared by the Alipay login and face adapters and by
// their mock servers: request signing content, response signing over the raw `…_response` JSON
// text, key loading (PEM or Alipay's bare base64) and the gateway timestamp format.

import { createPrivateKey, createPublicKey, createSign, createVerify, type KeyObject } from 'node:crypto';

export type GatewayParams = Record<string, string | undefined>;

/** The text Alipay signs for a request: non-empty params except `sign`, sorted by key, `k=v` joined by `&` (raw values). */
export function signingContent(params: GatewayParams): string {
  return Object.keys(params)
    .filter((key) => key !== 'sign' && params[key] !== undefined && params[key] !== '')
    .sort()
    .map((key) => `${key}=${params[key] ?? ''}`)
    .join('&');
}

/** SHA256withRSA over the UTF-8 text, base64. */
export function signText(text: string, privateKey: KeyObject): string {
  return createSign('RSA-SHA256').update(text, 'utf8').sign(privateKey, 'base64');
}

/** Whether `signature` (base64) is a valid SHA256withRSA signature of `text`; never throws. */
export function verifyText(text: string, signature: string, publicKey: KeyObject): boolean {
  try {
    return createVerify('RSA-SHA256').update(text, 'utf8').verify(publicKey, signature, 'base64');
  } catch {
    return false;
  }
}

/** Signs request params; returns a copy with `sign` added. */
export function signParams(params: GatewayParams, privateKey: KeyObject): Record<string, string> {
  const clean: Record<string, string> = {};
  for (const [key, value] of Object.entries(params)) if (value !== undefined && value !== '') clean[key] = value;
  delete clean.sign;
  return { ...clean, sign: signText(signingContent(clean), privateKey) };
}

/** Verifies the `sign` of request params against the sender's public key. */
export function verifyParams(params: GatewayParams, publicKey: KeyObject): boolean {
  const sign = params.sign;
  return typeof sign === 'string' && sign !== '' && verifyText(signingContent(params), sign, publicKey);
}

function wrapPem(base64: string, label: string): string {
  const body = base64.replace(/\s+/g, '').replace(/(.{64})/g, '$1\n').trimEnd();
  return `-----BEGIN ${label}-----\n${body}\n-----END ${label}-----\n`;
}

/** Loads a private key given as PEM (PKCS#8 or PKCS#1) or as Alipay's bare base64 PKCS#8/PKCS#1 text. Throws on a malformed key. */
export function loadPrivateKey(text: string): KeyObject {
  if (text.includes('-----BEGIN')) return createPrivateKey(text);
  try {
    return createPrivateKey(wrapPem(text, 'PRIVATE KEY'));
  } catch {
    return createPrivateKey(wrapPem(text, 'RSA PRIVATE KEY'));
  }
}

/** Loads a public key given as PEM or as Alipay's bare base64 (SPKI) text. Throws on a malformed key. */
export function loadPublicKey(text: string): KeyObject {
  return createPublicKey(text.includes('-----BEGIN') ? text : wrapPem(text, 'PUBLIC KEY'));
}

/** Alipay's `timestamp` parameter: 'yyyy-MM-dd HH:mm:ss' in Asia/Shanghai (UTC+8, no daylight saving). */
export function formatGatewayTimestamp(date: Date): string {
  const shanghai = new Date(date.getTime() + 8 * 3_600_000).toISOString();
  return `${shanghai.slice(0, 10)} ${shanghai.slice(11, 19)}`;
}

/** Parses a gateway timestamp back to a Date; undefined when malformed. */
export function parseGatewayTimestamp(text: string): Date | undefined {
  const match = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})$/.exec(text);
  if (!match) return undefined;
  const date = new Date(`${match[1]}T${match[2]}+08:00`);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** The response key of a gateway method: `alipay.system.oauth.token` → `alipay_system_oauth_token_response`. */
export function responseKey(method: string): string {
  return `${method.replaceAll('.', '_')}_response`;
}

/**
 * Finds the raw JSON text of a top-level member `key` in a JSON object text, exactly as it appears
 * (Alipay signs these bytes, so they must not be re-serialised). Undefined when absent or malformed.
 */
export function extractRawMember(body: string, key: string): string | undefined {
  const needle = `"${key}"`;
  let from = 0;
  for (;;) {
    const at = body.indexOf(needle, from);
    if (at < 0) return undefined;
    from = at + needle.length;
    if (depthAt(body, at) !== 1) continue;
    const colon = skipSpace(body, from);
    if (body[colon] !== ':') continue;
    const start = skipSpace(body, colon + 1);
    const end = valueEnd(body, start);
    return end === undefined ? undefined : body.slice(start, end);
  }
}

function skipSpace(text: string, index: number): number {
  let i = index;
  while (i < text.length && /\s/.test(text[i] ?? '')) i += 1;
  return i;
}

/** Object/array nesting depth at `index`, outside strings; -1 when `index` is inside a string. */
function depthAt(text: string, index: number): number {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < index; i += 1) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i += 1;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{' || c === '[') depth += 1;
    else if (c === '}' || c === ']') depth -= 1;
  }
  return inString ? -1 : depth;
}

/** End index (exclusive) of the JSON value starting at `start`. */
function valueEnd(text: string, start: number): number | undefined {
  const first = text[start];
  if (first === '{' || first === '[') {
    let depth = 0;
    let inString = false;
    for (let i = start; i < text.length; i += 1) {
      const c = text[i];
      if (inString) {
        if (c === '\\') i += 1;
        else if (c === '"') inString = false;
      } else if (c === '"') inString = true;
      else if (c === '{' || c === '[') depth += 1;
      else if (c === '}' || c === ']') {
        depth -= 1;
        if (depth === 0) return i + 1;
      }
    }
    return undefined;
  }
  if (first === '"') {
    for (let i = start + 1; i < text.length; i += 1) {
      if (text[i] === '\\') i += 1;
      else if (text[i] === '"') return i + 1;
    }
    return undefined;
  }
  const match = /^[^,}\]\s]+/.exec(text.slice(start));
  return match ? start + match[0].length : undefined;
}
