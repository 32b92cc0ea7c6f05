// Table types for Kysely<DB>: the shape of every table the migrations create.

import type { ColumnType, Generated, JSONColumnType } from 'kysely';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;

export interface OidcPayloadsTable {
  model: string;
  id: string;
  payload: JSONColumnType<Record<string, unknown>, string, string>;
  grant_id: string | null;
  uid: string | null;
  user_code: string | null;
  expires_at: NullableTimestamp;
  consumed_at: NullableTimestamp;
  created_at: Timestamp;
}

export interface SigningKeysTable {
  kid: string;
  use: 'sig' | 'cookie';
  alg: string;
  status: 'active' | 'retired';
  private_envelope: string;
  public_jwk: JSONColumnType<Record<string, unknown> | null, string | null, string | null>;
  created_at: Timestamp;
  retired_at: NullableTimestamp;
  expires_at: NullableTimestamp;
}

export interface ClientsTable {
  client_id: string;
  metadata: JSONColumnType<Record<string, unknown>, string, string>;
  secret_envelope: string | null;
  source: 'file' | 'cli' | 'registration' | 'dev';
  created_at: Timestamp;
  updated_at: Timestamp;
  /** Set while a system administrator has the client disabled (migration 1000). */
  disabled_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
}

export interface AuditEventsTable {
  id: Generated<string>;
  at: Timestamp;
  event: string;
  outcome: 'success' | 'failure' | 'info';
  actor: string | null;
  subject: string | null;
  client_id: string | null;
  ip: string | null;
  request_id: string | null;
  details: JSONColumnType<Record<string, unknown>, string | undefined, string>;
}

export type IdentityLevelColumn = 'registered' | 'real_name' | 'real_person';

export interface AccountsTable {
  id: string;
  status: ColumnType<'active' | 'disabled', 'active' | 'disabled' | undefined, 'active' | 'disabled'>;
  name_envelope: string | null;
  needs_phone: ColumnType<boolean, boolean | undefined, boolean>;
  created_at: Timestamp;
  updated_at: Timestamp;
  /** The version of the policy texts the citizen agreed to; null: never asked (see services/policy-acceptance.ts). */
  policy_version: ColumnType<string | null, string | null | undefined, string | null>;
  policy_accepted_at: NullableTimestamp;
}

export interface AccountDocumentsTable {
  account_id: string;
  cert_type: string;
  number_envelope: string;
  number_index: string;
  created_at: Timestamp;
}

export interface PhonesTable {
  account_id: string;
  phone_envelope: string;
  phone_index: string;
  verified_at: ColumnType<Date, Date | string, Date | string>;
}

export interface PasswordCredentialsTable {
  account_id: string;
  hash: string;
  updated_at: Timestamp;
}

export interface IdentityProofsTable {
  id: string;
  account_id: string;
  kind: 'registry_match' | 'face_match' | 'upstream_assertion';
  level: IdentityLevelColumn;
  adapter: string;
  reference: string | null;
  /** Keyed digest of the identity (certificate type, document number, name) this proof proved; null only for rows older than the rule until the start-up job binds them. */
  identity_key: string | null;
  created_at: Timestamp;
}

export interface UpstreamLinksTable {
  account_id: string;
  upstream: string;
  subject: string;
  created_at: Timestamp;
}

export interface OneTimeCodesTable {
  id: string;
  purpose: string;
  target_index: string;
  code_hash: string;
  attempts: ColumnType<number, number | undefined, number>;
  max_attempts: number;
  expires_at: ColumnType<Date, Date | string, Date | string>;
  consumed_at: NullableTimestamp;
  created_at: Timestamp;
}

export interface CaptchasTable {
  id: string;
  answer_hash: string;
  expires_at: ColumnType<Date, Date | string, Date | string>;
  consumed_at: NullableTimestamp;
  created_at: Timestamp;
}

export interface SpentChallengesTable {
  challenge_hash: string;
  expires_at: ColumnType<Date, Date | string, Date | string>;
}

export interface RateLimitsTable {
  bucket: string;
  count: number;
  reset_at: ColumnType<Date, Date | string, Date | string>;
}

export interface LoginFailuresTable {
  key: string;
  failures: ColumnType<number, number | undefined, number>;
  locked_until: NullableTimestamp;
  updated_at: Timestamp;
}

export interface FlowsTable {
  id: string;
  kind: string;
  state: string;
  facts: JSONColumnType<Record<string, unknown>, string | undefined, string>;
  interaction_uid: string | null;
  account_id: string | null;
  browser_hash: string;
  version: ColumnType<number, number | undefined, number>;
  expires_at: ColumnType<Date, Date | string, Date | string>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface AccountSessionsTable {
  id_hash: string;
  account_id: string;
  created_at: Timestamp;
  last_seen_at: Timestamp;
  expires_at: ColumnType<Date, Date | string, Date | string>;
  ip: string | null;
  user_agent: string | null;
}

export interface FamilyBindingsTable {
  id: string;
  binder_account_id: string;
  member_cert_type: string;
  member_number_envelope: string;
  member_number_index: string;
  member_name_envelope: string;
  relation: 'parent' | 'spouse' | 'child' | 'other';
  created_at: Timestamp;
}

export interface FavouritesTable {
  account_id: string;
  client_id: string;
  created_at: Timestamp;
}

export type QrTicketState = 'pending' | 'scanned' | 'confirmed' | 'cancelled' | 'expired';

export interface QrTicketsTable {
  id: string;
  secret_hash: string;
  interaction_uid: string;
  client_id: string | null;
  state: ColumnType<QrTicketState, QrTicketState | undefined, QrTicketState>;
  account_id: string | null;
  expires_at: ColumnType<Date, Date | string, Date | string>;
  consumed_at: NullableTimestamp;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export type CaseStatusColumn = 'accepted' | 'in_progress' | 'completed' | 'rejected' | 'withdrawn';

export interface CasesTable {
  id: string;
  client_id: string;
  case_no: string;
  account_id: string;
  service: string;
  department: string;
  status: CaseStatusColumn;
  status_note: string | null;
  detail_url: string | null;
  submitted_at: ColumnType<Date, Date | string, Date | string>;
  status_at: ColumnType<Date, Date | string, Date | string>;
  completed_at: NullableTimestamp;
  invited_at: NullableTimestamp;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface CaseEventsTable {
  id: Generated<string>;
  case_id: string;
  status: CaseStatusColumn;
  note: string | null;
  occurred_at: ColumnType<Date, Date | string, Date | string>;
  recorded_at: ColumnType<Date, Date | string, Date | string>;
}

export interface CaseRatingsTable {
  case_id: string;
  seq: Generated<string>;
  client_id: string;
  level: string;
  indicators: JSONColumnType<Record<string, number>, string, string>;
  comment: string | null;
  rated_at: ColumnType<Date, Date | string, Date | string>;
  rectification_due_at: NullableTimestamp;
  rectification: string | null;
  rectified_at: NullableTimestamp;
}

export interface CaseRatingOutboxTable {
  id: Generated<string>;
  case_id: string;
  client_id: string;
  attempts: ColumnType<number, number | undefined, number>;
  next_attempt_at: ColumnType<Date, Date | string, Date | string>;
  delivered_at: NullableTimestamp;
  last_error: string | null;
}

/** 我的权益单 certificates: the SHA-256 of the verification code, never the code. */
export interface RightsCertificatesTable {
  code_hash: string;
  account_id: string;
  issued_at: ColumnType<Date, Date | string, Date | string>;
  expires_at: ColumnType<Date, Date | string, Date | string>;
  masked_name: string;
  /** SHA-256 (hex) of the record as printed. */
  digest: string;
  with_amounts: boolean;
  created_at: Timestamp;
}

export interface DB {
  accounts: AccountsTable;
  account_documents: AccountDocumentsTable;
  phones: PhonesTable;
  password_credentials: PasswordCredentialsTable;
  identity_proofs: IdentityProofsTable;
  upstream_links: UpstreamLinksTable;
  one_time_codes: OneTimeCodesTable;
  captchas: CaptchasTable;
  spent_challenges: SpentChallengesTable;
  rate_limits: RateLimitsTable;
  login_failures: LoginFailuresTable;
  flows: FlowsTable;
  qr_tickets: QrTicketsTable;
  oidc_payloads: OidcPayloadsTable;
  signing_keys: SigningKeysTable;
  clients: ClientsTable;
  audit_events: AuditEventsTable;
  account_sessions: AccountSessionsTable;
  family_bindings: FamilyBindingsTable;
  favourites: FavouritesTable;
  staff_accounts: StaffAccountsTable;
  staff_sessions: StaffSessionsTable;
  cases: CasesTable;
  case_events: CaseEventsTable;
  case_ratings: CaseRatingsTable;
  case_rating_outbox: CaseRatingOutboxTable;
  rights_certificates: RightsCertificatesTable;
}

/** Console staff (issue 17): roles as a JSON array of role names. */
export interface StaffAccountsTable {
  id: string;
  username: string;
  display_name: string;
  roles: JSONColumnType<string[], string, string>;
  status: ColumnType<'active' | 'disabled', 'active' | 'disabled' | undefined, 'active' | 'disabled'>;
  password_hash: string | null;
  totp_envelope: string | null;
  totp_last_step: ColumnType<string | null, number | null | undefined, number | null>;
  enrolled_at: NullableTimestamp;
  enrolment_hash: string | null;
  enrolment_expires_at: NullableTimestamp;
  created_by: string;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface StaffSessionsTable {
  id_hash: string;
  staff_id: string;
  /** `password`: the password was right, the TOTP code is still due; `full`: signed in. */
  stage: 'password' | 'full';
  created_at: Timestamp;
  last_seen_at: Timestamp;
  expires_at: Timestamp;
}
