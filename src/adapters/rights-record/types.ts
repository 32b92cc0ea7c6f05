// The port to the social-insurance core system: a citizen's personal rights record (个人权益记录)
// by document number. `recordFor` answers undefined for a person it does not know and throws
// UpstreamError('rights') when the system cannot be reached.

export const insuranceTypes = ['pension', 'medical', 'unemployment', 'injury', 'maternity'] as const;
export type InsuranceType = (typeof insuranceTypes)[number];

export interface RightsRecord {
  insurances: Array<{
    type: InsuranceType;
    /** 参保缴费, 暂停缴费, 终止参保 */
    status: 'active' | 'suspended' | 'terminated';
    /** 参保地 */
    place: string;
    /** First insured month, YYYY-MM. */
    firstMonth: string;
    /** 累计缴费月数 */
    months: number;
    /** 个人账户累计储存额 (yuan), where the insurance has a personal account. */
    accountBalance?: number | undefined;
  }>;
  /** Per-year contribution base (yuan) and months paid (pension insurance). */
  years: Array<{ year: number; base: number; months: number }>;
  /** Benefits received. */
  benefits: Array<{ kind: string; amount: number; period: string }>;
}

export interface RightsRecordSource {
  recordFor(certType: string, documentNumber: string): Promise<RightsRecord | undefined>;
}
