// JSON methods of the mock face verifier's gateway: alipay.user.certify.open.initialize and
// alipay.user.certify.open.query. The query adds `certify_state` (PENDING | FINISHED) and
// `fail_reason`, mock-only fields: the real API answers passed=F both before and after a failure.

import type { Context } from 'koa';
import { businessFailed, parseBizContent, type GatewayChecker, type GatewayRequest } from '../alipay/gateway-kit.js';
import { alipayCertTypes, type FaceState } from './state.js';

export const certifyMethod = 'alipay.user.certify.open.certify';
export const faceMethods = ['alipay.user.certify.open.initialize', certifyMethod, 'alipay.user.certify.open.query'] as const;
export const bizCodes = ['FACE', 'CERT_PHOTO', 'CERT_PHOTO_FACE', 'SMART_FACE'] as const;

const invalidParameter = (what: string) => businessFailed('INVALID_PARAMETER', `参数有误：${what}`);
export const certifyIdInvalid = businessFailed('CERTIFY_ID_INVALID', 'certify_id 无效或不存在');

const str = (value: unknown): string => (typeof value === 'string' ? value : '');

export function createFaceGatewayMethods(deps: { checker: GatewayChecker; state: FaceState }) {
  const { checker, state } = deps;

  function initialize(ctx: Context, { appId, method, params }: GatewayRequest): void {
    const biz = parseBizContent(params);
    if (!biz) return checker.methodError(ctx, method, invalidParameter('biz_content'));
    const outerOrderNo = str(biz.outer_order_no);
    if (!/^[A-Za-z0-9]{1,32}$/.test(outerOrderNo)) return checker.methodError(ctx, method, invalidParameter('outer_order_no'));
    const bizCode = str(biz.biz_code);
    if (!(bizCodes as readonly string[]).includes(bizCode)) return checker.methodError(ctx, method, invalidParameter('biz_code'));
    const identity = typeof biz.identity_param === 'object' && biz.identity_param ? (biz.identity_param as Record<string, unknown>) : {};
    if (identity.identity_type !== 'CERT_INFO') return checker.methodError(ctx, method, invalidParameter('identity_type'));
    const certType = str(identity.cert_type);
    if (!Object.hasOwn(alipayCertTypes, certType)) return checker.methodError(ctx, method, invalidParameter('cert_type'));
    const certName = str(identity.cert_name);
    const certNo = str(identity.cert_no);
    if (!certName || !certNo) return checker.methodError(ctx, method, invalidParameter('cert_name/cert_no'));
    const merchant = typeof biz.merchant_config === 'object' && biz.merchant_config ? (biz.merchant_config as Record<string, unknown>) : {};
    const returnUrl = str(merchant.return_url) || undefined;
    if (returnUrl && !(/^https?:\/\//.test(returnUrl) && URL.canParse(returnUrl))) {
      return checker.methodError(ctx, method, invalidParameter('return_url'));
    }
    const created = state.create({ appId, outerOrderNo, bizCode, certType, certName, certNo, returnUrl });
    checker.success(ctx, method, { certify_id: created.certifyId });
  }

  function query(ctx: Context, { appId, method, params }: GatewayRequest): void {
    const certifyId = str(parseBizContent(params)?.certify_id);
    const c = certifyId ? state.find(appId, certifyId) : undefined;
    if (!c) return checker.methodError(ctx, method, certifyIdInvalid);
    const finished = c.status !== 'INIT';
    checker.success(ctx, method, {
      passed: c.status === 'PASSED' ? 'T' : 'F',
      ...(finished ? { identity_info: '{}', material_info: JSON.stringify({ face_material: 'mock' }) } : {}),
      certify_state: finished ? 'FINISHED' : 'PENDING',
      ...(c.failReason ? { fail_reason: c.failReason } : {}),
    });
  }

  return { initialize, query };
}
