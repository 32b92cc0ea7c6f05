// 我的办件 as the centre shows it: the three lists and a case as a list row (the 办件 pages and the
// 我的信息 summary both show cases this way).

import { caseStatusLabelKeys } from '../../domain/cases.js';
import type { CaseRow } from '../../repositories/cases.js';
import type { CaseCategory } from '../../services/cases.js';
import { formatTime } from './context.js';

export const caseCategories: readonly CaseCategory[] = ['in_progress', 'completed', 'pending_rating'];
export const pageSize = 10;

/** A case as a list row of the centre. */
export function caseRowModel(row: CaseRow & { rated: boolean }) {
  return {
    href: `/account/cases/${row.id}`,
    service: row.service,
    department: row.department,
    statusLabel: caseStatusLabelKeys[row.status],
    status: row.status,
    at: formatTime(row.statusAt),
    ratingDue: row.status === 'completed' && !row.rated,
  };
}
