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

export interface DB {
  oidc_payloads: OidcPayloadsTable;
  signing_keys: SigningKeysTable;
  clients: ClientsTable;
  audit_events: AuditEventsTable;
}
