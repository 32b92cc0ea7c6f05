// What a downloaded 我的权益单 prints (always in Chinese): the header, the tables and notes as text,
// and the digest of exactly that text — SHA-256 over its lines (cells joined by a tab, lines by
// LF) — which the certificate row keeps and /verify shows.

import { createHash } from 'node:crypto';
import type { RightsRecord } from '../adapters/rights-record/types.js';
import { formatYuan } from '../domain/money.js';
import { t } from '../i18n/index.js';

export interface PrintedTable {
  caption: string;
  columns: string[];
  rows: string[][];
  /** Printed instead of rows when there are none. */
  empty?: string;
}

export interface RightsPrintout {
  title: string;
  /** 姓名, 证件号码 (both masked) and 出具日期. */
  header: string[];
  tables: PrintedTable[];
  notes: string[];
}

const zh = (key: string, params: Record<string, string | number> = {}) => t('zh-CN', key, params);

/** The printed content of `record`; the amounts (balances, yearly bases, benefits) only when `amounts`. */
export function rightsPrintout(record: RightsRecord, who: { maskedName: string; maskedDocument: string; issuedOn: string; amounts: boolean }): RightsPrintout {
  const { amounts } = who;
  const insuranceColumns = ['rights.col.type', 'rights.col.status', 'rights.col.place', 'rights.col.first', 'rights.col.months', ...(amounts ? ['rights.col.balance'] : [])];
  const tables: PrintedTable[] = [{
    caption: zh('rights.insurances'),
    columns: insuranceColumns.map((key) => zh(key)),
    rows: record.insurances.map((i) => [
      zh(`rights.type.${i.type}`),
      zh(`rights.status.${i.status}`),
      i.place,
      i.firstMonth,
      String(i.months),
      ...(amounts ? [i.accountBalance === undefined ? '—' : formatYuan(i.accountBalance)] : []),
    ]),
  }];
  if (amounts) {
    tables.push({
      caption: zh('rights.years'),
      columns: ['rights.col.year', 'rights.col.base', 'rights.col.year_months'].map((key) => zh(key)),
      rows: record.years.map((y) => [String(y.year), formatYuan(y.base), String(y.months)]),
    });
    tables.push({
      caption: zh('rights.benefits'),
      columns: ['rights.col.benefit_kind', 'rights.col.benefit_amount', 'rights.col.benefit_period'].map((key) => zh(key)),
      rows: record.benefits.map((b) => [b.kind, formatYuan(b.amount), b.period]),
      empty: zh('rights.no_benefits'),
    });
  }
  const notes = amounts ? [] : [zh('rights.cert.no_amounts')];
  return {
    title: zh('rights.cert.pdf_title'),
    header: [zh('rights.cert.name', { name: who.maskedName }), zh('rights.cert.document', { number: who.maskedDocument }), zh('rights.cert.issued_on', { date: who.issuedOn })],
    tables,
    notes,
  };
}

/** The printout as the lines the digest covers, in print order. */
export function printoutLines(printout: RightsPrintout): string[] {
  return [
    printout.title,
    ...printout.header,
    ...printout.tables.flatMap((table) => [
      table.caption,
      table.columns.join('\t'),
      ...(table.rows.length === 0 && table.empty ? [table.empty] : table.rows.map((row) => row.join('\t'))),
    ]),
    ...printout.notes,
  ];
}

/** SHA-256 (lowercase hex) of the printout's lines joined by LF, UTF-8. */
export function printoutDigest(printout: RightsPrintout): string {
  return createHash('sha256').update(printoutLines(printout).join('\n'), 'utf8').digest('hex');
}
