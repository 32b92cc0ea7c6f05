// The demo's three business items: what level (acr) and scopes each needs. 政策查询 is open to every
// signed-in citizen, 缴费记录 needs a real-name account, 养老待遇资格认证 a real-person one.

import type { Acr } from './levels.js';

export type ItemId = 'policy' | 'contributions' | 'pension';

export interface BusinessItem {
  id: ItemId;
  title: string;
  summary: string;
  requiredAcr: Acr;
  /** Scopes requested when signing in for this item (data minimisation: only what it shows). */
  scopes: readonly string[];
}

export const items: readonly BusinessItem[] = [
  {
    id: 'policy',
    title: '政策查询',
    summary: '查询江苏省人社最新政策与办事指南，注册用户即可使用。',
    requiredAcr: 'urn:jsrs:level:registered',
    scopes: ['openid', 'profile'],
  },
  {
    id: 'contributions',
    title: '社保缴费记录查询',
    summary: '查询本人近 12 个月的社会保险缴费明细，需要实名用户。',
    requiredAcr: 'urn:jsrs:level:real_name',
    scopes: ['openid', 'profile', 'identity'],
  },
  {
    id: 'pension',
    title: '养老待遇资格认证',
    summary: '领取养老金人员每年一次的待遇资格认证，需要实人用户。',
    requiredAcr: 'urn:jsrs:level:real_person',
    scopes: ['openid', 'profile', 'identity'],
  },
];

export function findItem(id: string | undefined): BusinessItem | undefined {
  return items.find((item) => item.id === id);
}
