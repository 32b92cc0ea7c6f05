// The ordered list of migrations (static imports, so the same list works from source and from dist/).
// Add a new migration here when you add its file; never edit one that has been merged.

import type { Migration, MigrationProvider } from 'kysely/migration';
import * as oidcPayloads from '../../migrations/20261127_0001_oidc_payloads.js';
import * as signingKeys from '../../migrations/20261127_0002_signing_keys.js';
import * as clients from '../../migrations/20261127_0003_clients.js';
import * as auditEvents from '../../migrations/20261127_0004_audit_events.js';
import * as accounts from '../../migrations/20261127_0005_accounts.js';
import * as securityCounters from '../../migrations/20261127_0006_security_counters.js';
import * as flows from '../../migrations/20261127_0007_flows.js';
import * as qrTickets from '../../migrations/20261127_0008_qr_tickets.js';
import * as userCentre from '../../migrations/20261127_0009_user_centre.js';
import * as auditAppendOnly from '../../migrations/20261127_0010_audit_append_only.js';
import * as rateLimitConsume from '../../migrations/20261127_0011_rate_limit_consume.js';
import * as identityBoundProofs from '../../migrations/20261202_0010_identity_bound_proofs.js';
import * as spentChallenges from '../../migrations/20261202_0140_spent_challenges.js';
import * as accountImport from '../../migrations/20261202_0400_account_import.js';
import * as staff from '../../migrations/20261202_0500_staff.js';
import * as cases from '../../migrations/20261202_0600_cases.js';
import * as rightsCertificates from '../../migrations/20261202_0800_rights_certificates.js';
import * as clientDisabled from '../../migrations/20261202_1000_client_disabled.js';
import * as policyAcceptance from '../../migrations/20261203_1400_policy_acceptance.js';
import * as caseOutboxRetention from '../../migrations/20261203_1600_case_outbox_retention.js';

const migrations: Record<string, Migration> = {
  '20261127_0001_oidc_payloads': oidcPayloads,
  '20261127_0002_signing_keys': signingKeys,
  '20261127_0003_clients': clients,
  '20261127_0004_audit_events': auditEvents,
  '20261127_0005_accounts': accounts,
  '20261127_0006_security_counters': securityCounters,
  '20261127_0007_flows': flows,
  '20261127_0008_qr_tickets': qrTickets,
  '20261127_0009_user_centre': userCentre,
  '20261127_0010_audit_append_only': auditAppendOnly,
  '20261127_0011_rate_limit_consume': rateLimitConsume,
  '20261202_0010_identity_bound_proofs': identityBoundProofs,
  '20261202_0140_spent_challenges': spentChallenges,
  '20261202_0400_account_import': accountImport,
  '20261202_0500_staff': staff,
  '20261202_0600_cases': cases,
  '20261202_0800_rights_certificates': rightsCertificates,
  '20261202_1000_client_disabled': clientDisabled,
  '20261203_1400_policy_acceptance': policyAcceptance,
  '20261203_1600_case_outbox_retention': caseOutboxRetention,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
};
