// The real face-verification adapter over Alipay identity verification (支付宝身份验证):
// alipay.user.certify.open.initialize → certify_id, .certify → the signed URL the phone opens,
// .query → passed T/F.

import { z } from 'zod';
import type { Clock } from '../../domain/clock.js';
import { createAlipayGatewayClient, incompleteResponse, invalidInput } from '../upstreams/alipay/gateway.js';
import type { FaceResult, FaceVerifier } from './types.js';

export interface HttpFaceVerifierOptions {
  appId: string;
  privateKeyPem: string;
  alipayPublicKeyPem: string;
  /** e.g. https://openapi.alipay.com/gateway.do */
  gatewayUrl: string;
  timeoutMs: number;
  /** Alipay certification scene; FACE (多因子人脸认证) by default. */
  bizCode?: 'FACE' | 'CERT_PHOTO_FACE' | 'SMART_FACE';
  fetch?: typeof fetch;
  clock?: Clock;
}

const initializeSection = z.object({ certify_id: z.string().min(1) });

const querySection = z.object({
  passed: z.enum(['T', 'F']),
  material_info: z.string().optional(),
  /**
   * Extension of the mock (`PENDING` | `FINISHED`): the real API answers `passed: F` both while the
   * person has not finished and after a failure, and returns `material_info` only once done.
   */
  certify_state: z.enum(['PENDING', 'FINISHED']).optional(),
});

/** Maps AAC058 to Alipay's identity_param.cert_type; undefined for documents Alipay cannot check. */
export function alipayCertType(certType: string, idNumber: string): string | undefined {
  switch (certType) {
    case '01':
      return 'IDENTITY_CARD';
    case '04':
    case '05':
      return 'HOME_VISIT_PERMIT_HK_MC';
    case '06':
      return 'HOME_VISIT_PERMIT_TAIWAN';
    case '11':
      return idNumber.startsWith('83') ? 'RESIDENCE_PERMIT_TAIWAN' : 'RESIDENCE_PERMIT_HK_MC';
    default:
      return undefined;
  }
}

/** Throws AppError('errors.internal') when a configured key cannot be read. */
export function createHttpFaceVerifier(options: HttpFaceVerifierOptions): FaceVerifier {
  const gateway = createAlipayGatewayClient({ ...options, upstream: 'face' });
  const bizCode = options.bizCode ?? 'FACE';

  return {
    async initialize({ outerOrderNo, name, certType, idNumber, returnUrl }) {
      if (!/^[A-Za-z0-9]{1,32}$/.test(outerOrderNo)) throw invalidInput('face', 'outer_order_no');
      const alipayType = alipayCertType(certType, idNumber);
      if (!alipayType) throw invalidInput('face', `cert_type ${certType}`);
      const bizContent = {
        outer_order_no: outerOrderNo,
        biz_code: bizCode,
        identity_param: { identity_type: 'CERT_INFO', cert_type: alipayType, cert_name: name, cert_no: idNumber },
        merchant_config: returnUrl ? { return_url: returnUrl } : {},
      };
      const section = initializeSection.safeParse(
        await gateway.call('alipay.user.certify.open.initialize', { biz_content: JSON.stringify(bizContent) }),
      );
      if (!section.success) throw incompleteResponse('face', 'initialize fields');
      const certifyId = section.data.certify_id;
      const certifyUrl = gateway.pageUrl('alipay.user.certify.open.certify', {
        biz_content: JSON.stringify({ certify_id: certifyId }),
      });
      return { certifyId, certifyUrl };
    },

    async query(certifyId): Promise<FaceResult> {
      if (!/^[\w-]{1,64}$/.test(certifyId)) throw invalidInput('face', 'certify_id');
      const section = querySection.safeParse(
        await gateway.call('alipay.user.certify.open.query', { biz_content: JSON.stringify({ certify_id: certifyId }) }),
      );
      if (!section.success) throw incompleteResponse('face', 'query fields');
      const { passed, certify_state: state, material_info: material } = section.data;
      if (passed === 'T') return 'passed';
      if (state !== undefined) return state === 'PENDING' ? 'pending' : 'failed';
      // The real API: no material until the person finished; a finished, failed check carries it.
      return material ? 'failed' : 'pending';
    },
  };
}
