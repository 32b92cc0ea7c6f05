// Fake but plausible business data for the demo pages, derived from the citizen's `sub` so the
// same person sees the same records. Every amount and unit name here is invented.

import { createHash } from 'node:crypto';
import type { ItemId } from './items.js';

function seeded(sub: string): () => number {
  let counter = 0;
  return () => {
    const digest = createHash('sha256').update(`${sub}:${counter++}`).digest();
    return digest.readUInt32BE(0) / 0x1_0000_0000;
  };
}

const yuan = (n: number): string => n.toFixed(2);

function monthsBack(now: Date, count: number): string[] {
  const out: string[] = [];
  for (let i = 1; i <= count; i += 1) {
    const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - i, 1));
    out.push(`${d.getUTCFullYear()}年${String(d.getUTCMonth() + 1).padStart(2, '0')}月`);
  }
  return out;
}

const employers = ['南京汇智信息技术有限公司', '苏州工业园区恒泰精密制造有限公司', '无锡新吴区青禾物流有限公司', '常州市武进区博远商贸有限公司'];

export interface PolicyEntry { title: string; date: string; region: string }
export interface ContributionRow { month: string; employer: string; base: string; personal: string; employerPart: string; status: string }
export interface PensionStatus { result: string; validUntil: string; monthly: string; agency: string; checkedAt: string }

export type BusinessData =
  | { kind: 'policy'; policies: PolicyEntry[] }
  | { kind: 'contributions'; rows: ContributionRow[]; total: string }
  | { kind: 'pension'; status: PensionStatus };

export function businessDataFor(item: ItemId, sub: string, now = new Date()): BusinessData {
  const random = seeded(sub);
  if (item === 'policy') {
    return {
      kind: 'policy',
      policies: [
        { title: '关于调整全省城乡居民基本养老保险基础养老金最低标准的通知', date: '2026-01-15', region: '江苏省' },
        { title: '江苏省灵活就业人员参加企业职工基本养老保险办法（示例）', date: '2025-11-03', region: '江苏省' },
        { title: '南京市高校毕业生就业见习补贴申领指南', date: '2025-09-20', region: '南京市' },
        { title: '失业保险稳岗返还政策问答', date: '2025-07-08', region: '江苏省' },
      ],
    };
  }
  if (item === 'contributions') {
    const employer = employers[Math.floor(random() * employers.length)] ?? employers[0]!;
    const base = 4500 + Math.round(random() * 60) * 100;
    const rows = monthsBack(now, 12).map((month) => ({
      month,
      employer,
      base: yuan(base),
      personal: yuan(base * 0.08),
      employerPart: yuan(base * 0.16),
      status: '已到账',
    }));
    return { kind: 'contributions', rows, total: yuan(base * 0.24 * rows.length) };
  }
  const validUntil = new Date(Date.UTC(now.getUTCFullYear() + 1, now.getUTCMonth(), now.getUTCDate()));
  return {
    kind: 'pension',
    status: {
      result: '认证通过',
      checkedAt: now.toISOString().slice(0, 10),
      validUntil: validUntil.toISOString().slice(0, 10),
      monthly: yuan(2800 + Math.round(random() * 2400)),
      agency: '南京市社会保险管理中心（示例）',
    },
  };
}
