// The phone side of the mock face verifier: the page the signed certify URL opens (whose face is
// checked, masked) with 模拟人脸识别通过 / 模拟人脸识别失败, and the post that records the result.

import type { Context } from 'koa';
import { parseBizContent, type GatewayRequest } from '../alipay/gateway-kit.js';
import { readForm } from '../shared/body.js';
import { renderMockPage } from '../shared/render.js';
import type { Certification, FaceState } from './state.js';

function maskName(name: string): string {
  const chars = [...name];
  return chars.length <= 1 ? '*' : `*${chars.slice(1).join('')}`;
}

function maskNumber(number: string): string {
  return number.length <= 7 ? '*'.repeat(number.length) : `${number.slice(0, 3)}${'*'.repeat(number.length - 7)}${number.slice(-4)}`;
}

export function renderFaceError(ctx: Context, status: number, code: string, message: string): void {
  ctx.status = status;
  renderMockPage(ctx, 'mocks/face/error.njk', { code, message });
}

export function createFacePages(deps: { state: FaceState; baseUrl(): string }) {
  const { state } = deps;

  function renderResult(ctx: Context, c: Certification): void {
    renderMockPage(ctx, 'mocks/face/result.njk', { passed: c.status === 'PASSED', returnUrl: c.returnUrl });
  }

  /** GET|POST /gateway.do?method=alipay.user.certify.open.certify… (a signed request checked by the caller). */
  function certifyPage(ctx: Context, { appId, params }: GatewayRequest): void {
    const certifyId = parseBizContent(params)?.certify_id;
    const c = typeof certifyId === 'string' ? state.find(appId, certifyId) : undefined;
    if (!c) return renderFaceError(ctx, 400, 'CERTIFY_ID_INVALID', '认证请求不存在或已失效');
    if (c.status !== 'INIT') return renderResult(ctx, c);
    renderMockPage(ctx, 'mocks/face/certify.njk', {
      maskedName: maskName(c.certName),
      maskedNumber: maskNumber(c.certNo),
      formAction: `${deps.baseUrl()}/certify/complete`,
      certifyId: c.certifyId,
      pageToken: c.pageToken,
    });
  }

  /** POST /certify/complete — the phone's result; redirects to return_url when the merchant gave one. */
  async function complete(ctx: Context): Promise<void> {
    const form = await readForm(ctx);
    const c = state.findById(form.certify_id ?? '');
    if (!c || form.token !== c.pageToken) return renderFaceError(ctx, 400, 'CERTIFY_ID_INVALID', '认证请求不存在或已失效');
    if (form.outcome !== 'pass' && form.outcome !== 'fail') return renderFaceError(ctx, 400, 'INVALID_PARAMETER', '参数有误');
    state.finish(c, form.outcome);
    if (c.returnUrl) {
      ctx.status = 303;
      return ctx.redirect(c.returnUrl);
    }
    renderResult(ctx, c);
  }

  return { certifyPage, complete };
}
