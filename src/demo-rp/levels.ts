// The provider's published acr values (CONTRACTS.md), ordered lowest to highest, and the check
// every relying party must make itself: the acr in the ID token is at least what it asked for.

export const acrOrder = [
  'urn:jsrs:level:registered',
  'urn:jsrs:level:real_name',
  'urn:jsrs:level:real_person',
  'urn:jsrs:level:real_person:face',
] as const;
export type Acr = (typeof acrOrder)[number];

export const acrLabels: Record<Acr, string> = {
  'urn:jsrs:level:registered': '注册用户',
  'urn:jsrs:level:real_name': '实名用户',
  'urn:jsrs:level:real_person': '实人用户',
  'urn:jsrs:level:real_person:face': '实人用户（本次已刷脸）',
};

export const identityLevelLabels: Record<string, string> = {
  registered: '注册用户',
  real_name: '实名用户',
  real_person: '实人用户',
};

export const amrLabels: Record<string, string> = {
  pwd: '密码',
  sms: '短信验证码',
  qr: '扫码',
  face: '人脸识别',
  fed: '第三方账号',
  essc: '电子社保卡',
  jszw: '江苏政务',
  alipay: '支付宝',
};

/** Rank of an acr (0 = registered); -1 for anything unknown or missing, which satisfies nothing. */
export function acrRank(value: unknown): number {
  return typeof value === 'string' ? (acrOrder as readonly string[]).indexOf(value) : -1;
}

/** Whether the asserted acr meets the required minimum. Unknown or absent values never do. */
export function acrSatisfies(asserted: unknown, required: Acr): boolean {
  const rank = acrRank(asserted);
  return rank >= 0 && rank >= acrRank(required);
}

export function acrLabel(value: unknown): string {
  return typeof value === 'string' && value in acrLabels ? acrLabels[value as Acr] : typeof value === 'string' ? value : '（无）';
}
