// 我的办件's one change as a step: rating a completed case (one rating per case), its refusals mapped
// to the form's fields (any indicator's to the indicators group).

import { ratingIndicators } from '../../domain/cases.js';
import type { RatingInput } from '../../services/cases.js';
import type { Services } from '../../services/index.js';
import { done, refusalOf, type Done, type Refused } from './outcomes.js';

/**
 * Rates the account's case. A refusal names the field it belongs to ('indicators' for any
 * indicator). Throws what the error handler shows: a case that is not the account's (404) and
 * anything a form does not show.
 */
export async function rateCase(services: Services, accountId: string, caseId: string, input: RatingInput, meta: { ip: string; requestId: string }): Promise<Done | Refused> {
  try {
    await services.cases.rate(accountId, caseId, input, meta);
    return done;
  } catch (err) {
    const refusal = refusalOf(err);
    if (!refusal || refusal.status === 404) throw err;
    if (refusal.field && (ratingIndicators as readonly string[]).includes(refusal.field)) return { ...refusal, field: 'indicators' };
    return refusal;
  }
}
