// The pages 亲情号 (the bound members, the bind form with its captcha while binding is allowed) and
// 办事 / 收藏 (the catalogue, favourites first, with the level a service needs when the account lacks it).

import type { Context } from 'koa';
import { certTypeLabelKeys, certTypes, isCertType } from '../../domain/documents.js';
import { identityLevelLabelKeys, levelRank } from '../../domain/levels.js';
import { catalogue } from '../../flows/account-centre/catalogue.js';
import { familyRelations, MAX_FAMILY_BINDINGS } from '../../services/family.js';
import type { RouteDeps } from '../deps.js';
import { centreOf, formatTime, msg, renderCentre } from './context.js';

/** What the 亲情号 page shows besides the members: a message, the form's values and field messages. */
export interface FamilyExtra {
  error?: string;
  fieldErrors?: Record<string, string>;
  notice?: string;
  values?: Record<string, string>;
  status?: number;
}

/** 亲情号 of the signed-in account; binding is for 实名 and above, up to MAX_FAMILY_BINDINGS members. */
export async function showFamily(ctx: Context, deps: RouteDeps, extra: FamilyExtra = {}): Promise<void> {
  const { account } = centreOf(ctx);
  const members = await deps.services.family.list(account.id);
  const canBind = levelRank(account.level) >= levelRank('real_name');
  const full = members.length >= MAX_FAMILY_BINDINGS;
  renderCentre(ctx, deps, 'account/family.njk', 'family', {
    members: members.map((m) => ({
      id: m.id,
      name: m.name,
      certTypeLabel: isCertType(m.certType) ? certTypeLabelKeys[m.certType] : m.certType,
      numberMasked: m.numberMasked,
      relationLabel: `account.family.relation.${m.relation}`,
      createdAt: formatTime(m.createdAt),
    })),
    canBind,
    full,
    captcha: canBind && !full ? await deps.services.captcha.issue() : undefined,
    max: MAX_FAMILY_BINDINGS,
    certTypeOptions: certTypes.map((c) => ({ value: c, label: msg(ctx, certTypeLabelKeys[c]) })),
    relationOptions: familyRelations.map((r) => ({ value: r, label: msg(ctx, `account.family.relation.${r}`) })),
    values: extra.values ?? { certType: '01', relation: 'parent' },
    fieldErrors: extra.fieldErrors ?? {},
    error: extra.error,
    notice: extra.notice,
  }, extra.status);
}

/** 办事 / 收藏: the catalogue for the signed-in account, favourites first; a missing level links to its upgrade. */
export async function showServices(ctx: Context, deps: RouteDeps, extra: { error?: string; status?: number } = {}): Promise<void> {
  const { account } = centreOf(ctx);
  const favourites = new Set(await deps.services.accountCentre.favourites(account.id));
  const list = (await catalogue(deps.clients)).map((s) => {
    const lacking = levelRank(account.level) < levelRank(s.requiredLevel);
    return {
      ...s,
      favourite: favourites.has(s.clientId),
      levelLabel: identityLevelLabelKeys[s.requiredLevel],
      missing: lacking
        ? { text: msg(ctx, 'account.services.missing', { level: msg(ctx, identityLevelLabelKeys[s.requiredLevel]) }), href: levelRank(account.level) < levelRank('real_name') ? '/account/profile/real-name' : '/account/face' }
        : undefined,
    };
  });
  list.sort((a, b) => Number(b.favourite) - Number(a.favourite));
  renderCentre(ctx, deps, 'account/services.njk', 'services', { services: list, ...extra }, extra.status);
}
