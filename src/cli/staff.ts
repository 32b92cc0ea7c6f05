// `cli staff create --username NAME --name "显示名" --role sysadmin|secadmin|auditor|servicedesk`:
// the first system administrator (and, for automation, any staff member); prints the one-time
// enrolment link (password + authenticator are set there). Later staff are created in the console.

import { parseArgs } from 'node:util';
import { createStaffService, isStaffRole, staffRoles } from '../console/staff.js';
import type { CliContext } from './context.js';

export const staffUsage = `staff create --username NAME --name DISPLAY_NAME --role ${staffRoles.join('|')} [--role …]
  staff list`;

export async function staffCommand(ctx: CliContext, args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  const services = ctx.services();
  const staff = createStaffService({ db: ctx.database.db, clock: ctx.clock, secrets: ctx.secrets, hasher: services.hasher, lockout: services.lockout, audit: services.audit });
  if (sub === 'list') {
    for (const m of await staff.list()) ctx.out(`${m.id}\t${m.username}\t${m.roles.join(',')}\t${m.enrolled ? 'enrolled' : 'not enrolled'}`);
    return 0;
  }
  if (sub !== 'create') throw new Error(`usage:\n  ${staffUsage}`);
  const { values } = parseArgs({ args: rest, options: { username: { type: 'string' }, name: { type: 'string' }, role: { type: 'string', multiple: true } } });
  const roles = values.role ?? [];
  if (!values.username || !values.name || roles.length === 0) throw new Error(`usage:\n  ${staffUsage}`);
  const bad = roles.find((r) => !isStaffRole(r));
  if (bad) throw new Error(`unknown role ${bad}: one of ${staffRoles.join(', ')}`);
  const { staffId, enrolmentToken } = await staff.create({ username: values.username, displayName: values.name, roles: roles.filter(isStaffRole) }, { kind: 'cli' });
  ctx.out(`staff_id=${staffId}`);
  ctx.out(`enrolment_link=${ctx.config.issuer.replace(/\/+$/, '')}/console/enrol/${enrolmentToken}`);
  process.stderr.write('The link works once, for 72 hours: hand it to the person; they set a password and scan the authenticator QR code there.\n');
  return 0;
}
