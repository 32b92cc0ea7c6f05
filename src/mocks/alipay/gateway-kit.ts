// The mock side of the Alipay OpenAPI gateway, shared by the Alipay and face mocks: checks the
// common parameters (app, signature, timestamp) as the real gateway does and writes signed
// `{"<method>_response":…,"sign":…}` bodies with the mock's own key pair.

import { createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import type { Context } from 'koa';
import type { Clock } from '../../domain/clock.js';
import {
  loadPrivateKey,
  loadPublicKey,
  parseGatewayTimestamp,
  responseKey,
  signText,
  verifyParams,
} from '../../adapters/upstreams/alipay-signing.js';
import { readForm } from '../shared/body.js';

/** An application registered at the mock, with the public key its requests are signed with. */
export interface MockGatewayApp {
  appId: string;
  publicKeyPem: string;
}

export interface GatewayErrorBody {
  code: string;
  msg: string;
  sub_code: string;
  sub_msg: string;
}

export interface GatewayRequest {
  appId: string;
  method: string;
  params: Record<string, string>;
}

/** The mock's (Alipay's) key pair: generated unless a private key is given. */
export interface MockGatewayKeys {
  privateKey: KeyObject;
  publicKeyPem: string;
}

export function createMockGatewayKeys(privateKeyPem?: string): MockGatewayKeys {
  if (privateKeyPem) {
    const privateKey = loadPrivateKey(privateKeyPem);
    const publicKeyPem = createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString();
    return { privateKey, publicKeyPem };
  }
  const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { privateKey: pair.privateKey, publicKeyPem: pair.publicKey.export({ type: 'spki', format: 'pem' }).toString() };
}

const missing = (name: string, what: string): GatewayErrorBody => ({
  code: '40001',
  msg: 'Missing Required Arguments',
  sub_code: `isv.missing-${name}`,
  sub_msg: `缺少${what}参数`,
});

const invalid = (name: string, what: string): GatewayErrorBody => ({
  code: '40002',
  msg: 'Invalid Arguments',
  sub_code: `isv.invalid-${name}`,
  sub_msg: what,
});

/** A business failure of a method (code 40004), e.g. an unknown certify_id. */
export const businessFailed = (subCode: string, subMsg: string): GatewayErrorBody => ({
  code: '40004',
  msg: 'Business Failed',
  sub_code: subCode,
  sub_msg: subMsg,
});

/** Stale or future timestamps further than this from the mock's clock are refused. */
export const timestampToleranceMs = 10 * 60_000;

export interface GatewayChecker {
  readonly publicKeyPem: string;
  /** Merges query and form params of a gateway call (the real gateway accepts both). */
  readParams(ctx: Context): Promise<Record<string, string>>;
  /** Checks the common params; `methods` are the ones this mock implements. */
  check(params: Record<string, string>, methods: readonly string[]): { request: GatewayRequest } | { error: GatewayErrorBody };
  /** Writes a signed `{"<key>":…,"sign":…}` JSON body. */
  respond(ctx: Context, key: string, section: Record<string, unknown>, signed?: boolean): void;
  /** Writes a method's success (code 10000 added unless `bare`). */
  success(ctx: Context, method: string, fields: Record<string, unknown>, bare?: boolean): void;
  /** Writes an `error_response`. */
  error(ctx: Context, error: GatewayErrorBody, signed?: boolean): void;
  /** Writes a business error inside the method's own `…_response`. */
  methodError(ctx: Context, method: string, error: GatewayErrorBody): void;
}

export function createGatewayChecker(options: { apps: readonly MockGatewayApp[]; keys: MockGatewayKeys; clock: Clock }): GatewayChecker {
  const appKeys = new Map(options.apps.map((app) => [app.appId, loadPublicKey(app.publicKeyPem)]));
  const { keys, clock } = options;

  const respond: GatewayChecker['respond'] = (ctx, key, section, signed = true) => {
    const json = JSON.stringify(section);
    const sign = signed ? `,"sign":${JSON.stringify(signText(json, keys.privateKey))}` : '';
    ctx.status = 200;
    ctx.type = 'application/json; charset=utf-8';
    ctx.set('Cache-Control', 'no-store');
    ctx.body = `{${JSON.stringify(key)}:${json}${sign}}`;
  };

  return {
    publicKeyPem: keys.publicKeyPem,

    async readParams(ctx) {
      const params: Record<string, string> = {};
      for (const [key, value] of Object.entries(ctx.query)) if (typeof value === 'string') params[key] = value;
      if (ctx.method === 'POST') Object.assign(params, await readForm(ctx));
      return params;
    },

    check(params, methods) {
      const appId = params.app_id;
      if (!appId) return { error: missing('app-id', 'AppID') };
      const appKey = appKeys.get(appId);
      if (!appKey) return { error: invalid('app-id', '无效的AppID参数') };
      const method = params.method;
      if (!method) return { error: missing('method', '方法名') };
      if (!methods.includes(method)) return { error: invalid('method', '不存在的方法名') };
      if (params.format && params.format.toUpperCase() !== 'JSON') return { error: invalid('format', '无效的数据格式参数') };
      if (!params.charset) return { error: missing('charset', '字符集') };
      if (params.charset.toLowerCase() !== 'utf-8') return { error: invalid('charset', '无效的字符集参数') };
      if (!params.sign_type) return { error: missing('signature-type', '签名类型') };
      if (params.sign_type !== 'RSA2') return { error: invalid('signature-type', '无效的签名类型参数') };
      if (!params.sign) return { error: missing('signature', '签名') };
      if (!params.timestamp) return { error: missing('timestamp', '时间戳') };
      if (!params.version) return { error: missing('version', '版本') };
      if (params.version !== '1.0') return { error: invalid('parameter', '无效的版本参数') };
      if (!verifyParams(params, appKey)) {
        return { error: invalid('signature', '验签出错，建议检查签名字符串或签名私钥与应用公钥是否匹配') };
      }
      const sent = parseGatewayTimestamp(params.timestamp);
      if (!sent || Math.abs(clock.now().getTime() - sent.getTime()) > timestampToleranceMs) {
        return { error: invalid('timestamp', '非法的时间戳参数') };
      }
      return { request: { appId, method, params } };
    },

    respond,
    success: (ctx, method, fields, bare = false) =>
      respond(ctx, responseKey(method), bare ? fields : { code: '10000', msg: 'Success', ...fields }),
    error: (ctx, error, signed = true) => respond(ctx, 'error_response', { ...error }, signed),
    methodError: (ctx, method, error) => respond(ctx, responseKey(method), { ...error }),
  };
}

/** Parses `biz_content` as a JSON object; undefined when absent or not an object. */
export function parseBizContent(params: Record<string, string>): Record<string, unknown> | undefined {
  if (!params.biz_content) return undefined;
  try {
    const value: unknown = JSON.parse(params.biz_content);
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** The absolute base URL of a mock, given as a string or read lazily (a test learns its port after listen). */
export type BaseUrl = string | (() => string);

export function resolveBaseUrl(baseUrl: BaseUrl): string {
  return (typeof baseUrl === 'function' ? baseUrl() : baseUrl).replace(/\/+$/, '');
}
