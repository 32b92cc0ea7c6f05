// 亲情号 as steps: binding a family member's document (the captcha first, then the service's checks:
// the daily limit, registered or bound elsewhere, the registry match) and unbinding one.

import type { BindInput } from '../../services/family.js';
import type { Services } from '../../services/index.js';
import { attempt, done, refused, type ChangeContext, type Done, type Refused } from './outcomes.js';

/** Binds the member; the captcha before anything else, since each attempt answers registered / bound / registry match. */
export async function bindFamilyMember(
  services: Services,
  accountId: string,
  input: BindInput & { captchaId: string; captchaAnswer: string },
  change: ChangeContext,
): Promise<{ kind: 'bound'; name: string } | Refused> {
  if (!(await services.captcha.verify(input.captchaId, input.captchaAnswer))) return refused('captcha.invalid', 400, 'captcha');
  const { certType, documentNumber, name, relation } = input;
  const bound = await attempt(() => services.family.bind(accountId, { certType, documentNumber, name, relation }, change));
  return bound.kind === 'ok' ? { kind: 'bound', name: bound.value.name } : bound;
}

/** Removes one of the account's bindings (a binding of another account is not found). */
export async function unbindFamilyMember(services: Services, accountId: string, bindingId: string, change: ChangeContext): Promise<Done | Refused> {
  const unbound = await attempt(() => services.family.unbind(accountId, bindingId, change));
  return unbound.kind === 'ok' ? done : unbound;
}
