// The view model of the shared face-check block: the QR of the verifier's certify URL (rendered by
// us), the development-only 模拟扫码 link, and where the page polls, continues and retries.

import QRCode from 'qrcode';

export interface FaceView {
  qrImage: string;
  simulateUrl: string | undefined;
  statusUrl: string;
  continueUrl: string;
  retryUrl: string;
  flowId: string;
}

export async function faceView(input: {
  certifyUrl: string;
  development: boolean;
  flowId: string;
  statusUrl: string;
  continueUrl: string;
  retryUrl: string;
}): Promise<FaceView> {
  return {
    qrImage: await QRCode.toDataURL(input.certifyUrl, { margin: 1, width: 240 }),
    simulateUrl: input.development ? input.certifyUrl : undefined,
    statusUrl: input.statusUrl,
    continueUrl: input.continueUrl,
    retryUrl: input.retryUrl,
    flowId: input.flowId,
  };
}
