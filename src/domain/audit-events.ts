// The one list of audit event names: what the trail records, and (through the i18n catalogues'
// `account.event.<name>` labels, every one present in both locales) what 最近动态 shows a citizen.

import { signInAuditEvents } from './sign-in-methods.js';

export const auditEvents = [
  // the account and its credentials
  'account.registered',
  'account.created_from_upstream',
  'account.password_changed',
  'account.password_reset',
  'account.locked',
  'account.level_changed',
  'account.real_name_check',
  'account.real_name_corrected',
  'account.face_verified',
  'account.document_revealed',
  'account.rights_viewed',
  'account.rights_certificate_issued',
  'account.phone_bound',
  'account.phone_changed',
  'account.phone_face_check',
  'account.phone_removed_by_appeal',
  'account.family_bound',
  'account.family_unbound',
  'account.family_attempt_noticed',
  'account.grant_revoked',
  'account.session_ended',
  'account.centre_signed_out',
  'account.upstream_linked',
  'account.upstream_unlinked',
  'account.deleted',
  'account.policies_accepted',
  'account.policies_declined',
  // signing in
  'signin.success',
  ...signInAuditEvents,
  'signin.step_up',
  'consent.granted',
  'sms.sent',
  // recovery and appeals
  'recovery.sms_sent',
  'recovery.sms_verified',
  'recovery.face_verified',
  'appeal.started',
  'appeal.face_check',
  'appeal.document_takeover',
  'appeal.phone_reclaimed',
  'appeal.family_unbound',
  'family.unbound',
  // 办件 and 好差评
  'case.written',
  'case.rated',
  'case.rectified',
  'case.rating_invited',
  // operators
  'client.added',
  'client.removed',
  'client.registered',
  'client.updated',
  'client.deleted',
  'keys.rotated',
  'pii.reencrypted',
  'accounts.imported',
  'client.secret_rotated',
  'client.disabled',
  'client.enabled',
  // staff (the console and the CLI's operator commands; actor `staff:<id>` or `cli`)
  'account.unlocked',
  'account.sessions_revoked',
  'staff.created',
  'staff.enrolled',
  'staff.signed_in',
  'staff.sign_in_failed',
  'staff.roles_changed',
  'staff.unlocked',
  'staff.citizen_viewed',
  'staff.number_revealed',
  'staff.password_reset_sent',
  'staff.audit_exported',
] as const;

export type AuditEvent = (typeof auditEvents)[number];

export function isAuditEvent(value: unknown): value is AuditEvent {
  return typeof value === 'string' && (auditEvents as readonly string[]).includes(value);
}
