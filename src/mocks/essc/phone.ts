// The mock "channel app" pages a phone opens from the QR content: choose a cardholder and answer
// 确认授权 / 拒绝. GET and POST /h5/authorize?qrId=…

import type Koa from 'koa';
import { renderMockPage } from '../shared/render.js';
import { readForm } from '../shared/body.js';
import { maskIdNumber } from './holders.js';
import type { EsscMockState } from './state.js';

export function createEsscPhonePages(deps: { state: EsscMockState; baseUrl: string }): Koa.Middleware {
  const { state } = deps;
  const action = `${deps.baseUrl.replace(/\/+$/, '')}/h5/authorize`;

  const message = (ctx: Koa.Context, status: number, title: string, text: string) => {
    ctx.status = status;
    renderMockPage(ctx, 'mocks/essc/message.njk', { title, text });
  };

  return async (ctx, next) => {
    if (ctx.path !== '/h5/authorize') return next();
    if (ctx.method === 'GET') {
      const qrId = typeof ctx.query['qrId'] === 'string' ? ctx.query['qrId'] : '';
      const qr = state.viewQr(qrId);
      if (!qr) return message(ctx, 404, '二维码无效', '未找到该二维码，请返回电脑端刷新后重新扫码。');
      if (qr.status === 'EXPIRED') return message(ctx, 410, '二维码已过期', '请返回电脑端刷新二维码后重新扫码。');
      if (qr.status !== 'WAITING' && qr.status !== 'SCANNED') return message(ctx, 409, '二维码已使用', '该二维码已处理，请返回电脑端。');
      state.markScanned(qrId);
      const holders = state.holders.map((h) => ({ cardNo: h.cardNo, name: h.name, maskedId: maskIdNumber(h.idNumber) }));
      ctx.status = 200;
      return renderMockPage(ctx, 'mocks/essc/authorize.njk', { action, qrId, holders });
    }
    if (ctx.method !== 'POST') return message(ctx, 405, '请求无效', '不支持的请求方式。');
    const form = await readForm(ctx);
    const qrId = form['qrId'] ?? '';
    if (form['action'] === 'reject') {
      return state.answer(qrId, { reject: true })
        ? message(ctx, 200, '已拒绝', '您已拒绝本次登录授权。')
        : message(ctx, 409, '二维码已失效', '该二维码已过期或已处理，请返回电脑端刷新。');
    }
    if (form['action'] !== 'confirm') return message(ctx, 400, '请求无效', '请选择授权或拒绝。');
    const holder = state.holders.find((h) => h.cardNo === form['cardNo']);
    if (!holder) return message(ctx, 400, '请选择持卡人', '请选择要授权登录的电子社保卡。');
    return state.answer(qrId, { authorize: holder })
      ? message(ctx, 200, '授权成功', '登录授权已完成，请返回电脑端继续。')
      : message(ctx, 409, '二维码已失效', '该二维码已过期或已处理，请返回电脑端刷新。');
  };
}
