// Staff accounts and their sign-in (issue 17): a one-time enrolment link sets the password and
// binds a TOTP authenticator; sign-in is password then TOTP code, both under the citizens' lockout;
// sessions expire after 15 idle minutes and 8 hours at most. Roles are 三员分立 plus 客服.

import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import type { Clock } from '../domain/clock.js';
import { checkPassword } from '../domain/password-policy.js';
import { AppError, NotFoundError, ValidationError } from '../errors/app-error.js';
import type { Audit } from '../services/audit.js';
import type { PasswordHasher } from '../services/crypto/index.js';
import type { Lockout } from '../services/lockout.js';
import type { Secrets } from '../services/secrets.js';
import { actorName, type Actor } from './operations.js';
import { newTotpSecret, verifyTotp } from './totp.js';
import { DuplicateError, orDuplicate } from '../repositories/duplicates.js';

export const staffRoles = ['sysadmin', 'secadmin', 'auditor', 'servicedesk'] as const;
export type StaffRole = (typeof staffRoles)[number];
export const isStaffRole = (value: unknown): value is StaffRole => typeof value === 'string' && (staffRoles as readonly string[]).includes(value);

export const STAFF_IDLE_SECONDS = 15 * 60;
export const STAFF_MAX_SECONDS = 8 * 60 * 60;
/** Between a right password and its TOTP code. */
const SECOND_FACTOR_SECONDS = 5 * 60;
const ENROLMENT_SECONDS = 72 * 60 * 60;

export interface StaffMember {
  id: string;
  username: string;
  displayName: string;
  roles: StaffRole[];
  status: 'active' | 'disabled';
  enrolled: boolean;
  createdAt: Date;
}

export interface StaffSession {
  staff: StaffMember;
  stage: 'password' | 'full';
  idHash: string;
}

export type SignInOutcome =
  | { ok: true; token: string }
  | { ok: false; reason: 'invalid' | 'locked'; until?: Date };

export interface StaffService {
  /** A new staff member and the secret part of their one-time enrolment link (shown once). */
  create(input: { username: string; displayName: string; roles: StaffRole[] }, actor: Actor): Promise<{ staffId: string; enrolmentToken: string }>;
  list(): Promise<StaffMember[]>;
  get(staffId: string): Promise<StaffMember | undefined>;
  /** The enrolment behind a link: who, and the TOTP secret to show as a QR code. */
  enrolment(token: string): Promise<{ staff: StaffMember; totpSecret: string } | undefined>;
  /** Sets the password and confirms the authenticator with a current code; the link is spent. */
  completeEnrolment(token: string, password: string, code: string): Promise<StaffMember>;
  signInPassword(username: string, password: string): Promise<SignInOutcome>;
  /** The TOTP step of a session whose password was right; returns a new (full) session token. */
  signInCode(token: string, code: string): Promise<SignInOutcome>;
  /** The live session behind a cookie value (idle expiry extended), or undefined. */
  resume(token: string | undefined): Promise<StaffSession | undefined>;
  signOut(token: string | undefined): Promise<void>;
  /** Throws AppError('console.staff.self_grant', 403) when the actor is the target. */
  setRoles(staffId: string, roles: StaffRole[], actor: Actor, reason: string): Promise<void>;
  unlock(staffId: string, actor: Actor, reason: string): Promise<void>;
  lockoutKey(staffId: string): string;
}

export interface StaffDeps {
  db: Kysely<DB>;
  clock: Clock;
  secrets: Pick<Secrets, 'cipher'>;
  hasher: PasswordHasher;
  lockout: Lockout;
  audit: Audit;
}

const sha256 = (value: string) => createHash('sha256').update(value).digest('base64url');
const totpAad = (staffId: string) => `staff_accounts.totp:${staffId}`;
const plus = (date: Date, seconds: number) => new Date(date.getTime() + seconds * 1000);

type Row = DB['staff_accounts'];
function toMember(r: { id: string; username: string; display_name: string; roles: string[]; status: 'active' | 'disabled'; enrolled_at: Date | null; created_at: Date }): StaffMember {
  return { id: r.id, username: r.username, displayName: r.display_name, roles: r.roles.filter(isStaffRole), status: r.status, enrolled: r.enrolled_at !== null, createdAt: r.created_at };
}
const memberColumns = ['id', 'username', 'display_name', 'roles', 'status', 'enrolled_at', 'created_at'] as const satisfies ReadonlyArray<keyof Row>;

export function createStaffService(deps: StaffDeps): StaffService {
  const { db, clock, secrets, hasher, lockout, audit } = deps;
  const lockoutKey = (staffId: string) => `staff:${staffId}`;

  const byId = async (staffId: string) => {
    const row = await db.selectFrom('staff_accounts').select(memberColumns).where('id', '=', staffId).executeTakeFirst();
    return row ? toMember(row) : undefined;
  };

  const byEnrolment = async (token: string) => {
    if (typeof token !== 'string' || !/^[A-Za-z0-9_-]{20,80}$/.test(token)) return undefined;
    const row = await db
      .selectFrom('staff_accounts')
      .selectAll()
      .where('enrolment_hash', '=', sha256(token))
      .where('enrolment_expires_at', '>', clock.now())
      .executeTakeFirst();
    return row ?? undefined;
  };

  const startSession = async (staffId: string, stage: 'password' | 'full') => {
    const token = randomBytes(32).toString('base64url');
    const now = clock.now();
    await db
      .insertInto('staff_sessions')
      .values({ id_hash: sha256(token), staff_id: staffId, stage, created_at: now, last_seen_at: now, expires_at: plus(now, stage === 'full' ? STAFF_MAX_SECONDS : SECOND_FACTOR_SECONDS) })
      .execute();
    return token;
  };

  const live = async (token: string | undefined) => {
    if (typeof token !== 'string' || token.length < 20 || token.length > 100) return undefined;
    const now = clock.now();
    const row = await db
      .selectFrom('staff_sessions')
      .selectAll()
      .where('id_hash', '=', sha256(token))
      .where('expires_at', '>', now)
      .where('last_seen_at', '>', plus(now, -STAFF_IDLE_SECONDS))
      .executeTakeFirst();
    return row ?? undefined;
  };

  return {
    lockoutKey,

    async create(input, actor) {
      const username = input.username.trim().toLowerCase();
      if (!/^[a-z0-9][a-z0-9._-]{1,31}$/.test(username)) throw new ValidationError('console.staff.bad_username', 'username');
      if (input.displayName.trim() === '' || input.displayName.length > 64) throw new ValidationError('console.staff.bad_display_name', 'displayName');
      if (input.roles.length === 0 || !input.roles.every(isStaffRole)) throw new ValidationError('console.staff.bad_roles', 'roles');
      const staffId = randomUUID();
      const enrolmentToken = randomBytes(32).toString('base64url');
      const now = clock.now();
      try {
        await orDuplicate(() => db
          .insertInto('staff_accounts')
          .values({
            id: staffId,
            username,
            display_name: input.displayName.trim(),
            roles: JSON.stringify([...new Set(input.roles)]),
            totp_envelope: secrets.cipher.encrypt(newTotpSecret(), totpAad(staffId)),
            enrolment_hash: sha256(enrolmentToken),
            enrolment_expires_at: plus(now, ENROLMENT_SECONDS),
            created_by: actorName(actor),
            created_at: now,
            updated_at: now,
          })
          .execute());
      } catch (err) {
        if (err instanceof DuplicateError) throw new ValidationError('console.staff.username_taken', 'username');
        throw err;
      }
      await audit.record({
        event: 'staff.created',
        outcome: 'success',
        actor: actorName(actor),
        subject: `staff:${staffId}`,
        details: { username, roles: input.roles, ...(actor.kind === 'staff' ? { role: actor.role } : {}) },
      });
      return { staffId, enrolmentToken };
    },

    async list() {
      const rows = await db.selectFrom('staff_accounts').select(memberColumns).orderBy('created_at').execute();
      return rows.map(toMember);
    },

    get: byId,

    async enrolment(token) {
      const row = await byEnrolment(token);
      if (!row || !row.totp_envelope) return undefined;
      return { staff: toMember(row), totpSecret: secrets.cipher.decrypt(row.totp_envelope, totpAad(row.id)) };
    },

    async completeEnrolment(token, password, code) {
      const row = await byEnrolment(token);
      if (!row || !row.totp_envelope) throw new AppError('console.enrol.link_invalid', 404);
      const policy = checkPassword(password, {});
      if (!policy.ok) throw new ValidationError(policy.codes[0], 'password');
      const step = verifyTotp(secrets.cipher.decrypt(row.totp_envelope, totpAad(row.id)), code, clock.now());
      if (step === undefined) throw new ValidationError('console.login.bad_code', 'code');
      const hash = await hasher.hash(password);
      const now = clock.now();
      const updated = await db
        .updateTable('staff_accounts')
        .set({ password_hash: hash, enrolled_at: now, totp_last_step: step, enrolment_hash: null, enrolment_expires_at: null, updated_at: now })
        .where('id', '=', row.id)
        .where('enrolment_hash', '=', sha256(token))
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) !== 1) throw new AppError('console.enrol.link_invalid', 404);
      await db.deleteFrom('staff_sessions').where('staff_id', '=', row.id).execute();
      await audit.record({ event: 'staff.enrolled', outcome: 'success', actor: `staff:${row.id}`, subject: `staff:${row.id}` });
      return toMember({ ...row, enrolled_at: now });
    },

    async signInPassword(username, password) {
      const name = typeof username === 'string' ? username.trim().toLowerCase().slice(0, 64) : '';
      const row = name ? await db.selectFrom('staff_accounts').selectAll().where('username', '=', name).executeTakeFirst() : undefined;
      const usable = row && row.status === 'active' && row.password_hash && row.enrolled_at;
      const key = row ? lockoutKey(row.id) : `staff-name:${sha256(name)}`;
      const outcome = await lockout.attempt(key, async () => {
        if (!usable || !row.password_hash) return hasher.verifyAgainstDummy(String(password ?? ''));
        return hasher.verify(String(password ?? ''), row.password_hash);
      });
      if (!outcome.ok || !usable || !row) {
        await audit.record({ event: 'staff.sign_in_failed', outcome: 'failure', ...(row ? { subject: `staff:${row.id}` } : {}), details: { step: 'password', reason: outcome.ok ? 'invalid' : outcome.reason } });
        return outcome.ok ? { ok: false, reason: 'invalid' } : outcome.reason === 'locked' ? { ok: false, reason: 'locked', until: outcome.until } : { ok: false, reason: 'invalid' };
      }
      return { ok: true, token: await startSession(row.id, 'password') };
    },

    async signInCode(token, code) {
      const session = await live(token);
      if (!session || session.stage !== 'password') return { ok: false, reason: 'invalid' };
      const row = await db.selectFrom('staff_accounts').selectAll().where('id', '=', session.staff_id).executeTakeFirstOrThrow();
      let step: number | undefined;
      const outcome = await lockout.attempt(lockoutKey(row.id), async () => {
        if (!row.totp_envelope || row.status !== 'active') return false;
        const last = row.totp_last_step === null ? undefined : Number(row.totp_last_step);
        step = verifyTotp(secrets.cipher.decrypt(row.totp_envelope, totpAad(row.id)), String(code ?? '').trim(), clock.now(), last);
        if (step === undefined) return false;
        // Spend the step atomically: a code accepted once (on any node) is never accepted again.
        const spent = await db
          .updateTable('staff_accounts')
          .set({ totp_last_step: step })
          .where('id', '=', row.id)
          .where((eb) => eb.or([eb('totp_last_step', 'is', null), eb('totp_last_step', '<', String(step))]))
          .executeTakeFirst();
        return Number(spent.numUpdatedRows) === 1;
      });
      if (!outcome.ok) {
        await audit.record({ event: 'staff.sign_in_failed', outcome: 'failure', subject: `staff:${row.id}`, details: { step: 'totp', reason: outcome.reason } });
        return outcome.reason === 'locked' ? { ok: false, reason: 'locked', until: outcome.until } : { ok: false, reason: 'invalid' };
      }
      await db.deleteFrom('staff_sessions').where('id_hash', '=', session.id_hash).execute();
      await audit.record({ event: 'staff.signed_in', outcome: 'success', actor: `staff:${row.id}`, subject: `staff:${row.id}`, details: { roles: row.roles } });
      return { ok: true, token: await startSession(row.id, 'full') };
    },

    async resume(token) {
      const session = await live(token);
      if (!session) return undefined;
      const staff = await byId(session.staff_id);
      if (!staff || staff.status !== 'active') return undefined;
      await db.updateTable('staff_sessions').set({ last_seen_at: clock.now() }).where('id_hash', '=', session.id_hash).execute();
      return { staff, stage: session.stage, idHash: session.id_hash };
    },

    async signOut(token) {
      if (typeof token === 'string' && token) await db.deleteFrom('staff_sessions').where('id_hash', '=', sha256(token)).execute();
    },

    async setRoles(staffId, roles, actor, reason) {
      if (actor.kind === 'staff' && actor.staffId === staffId) throw new AppError('console.staff.self_grant', 403);
      if (!roles.every(isStaffRole)) throw new ValidationError('console.staff.bad_roles', 'roles');
      const before = await byId(staffId);
      if (!before) throw new NotFoundError();
      await db.updateTable('staff_accounts').set({ roles: JSON.stringify([...new Set(roles)]), updated_at: clock.now() }).where('id', '=', staffId).execute();
      // New roles take effect at the next sign-in: end the target's sessions now.
      await db.deleteFrom('staff_sessions').where('staff_id', '=', staffId).execute();
      await audit.record({
        event: 'staff.roles_changed',
        outcome: 'success',
        actor: actorName(actor),
        subject: `staff:${staffId}`,
        details: { from: before.roles, to: roles, reason, ...(actor.kind === 'staff' ? { role: actor.role } : {}) },
      });
    },

    async unlock(staffId, actor, reason) {
      if (!(await byId(staffId))) throw new NotFoundError();
      await lockout.reset(lockoutKey(staffId));
      await audit.record({ event: 'staff.unlocked', outcome: 'success', actor: actorName(actor), subject: `staff:${staffId}`, details: { reason, ...(actor.kind === 'staff' ? { role: actor.role } : {}) } });
    },
  };
}
