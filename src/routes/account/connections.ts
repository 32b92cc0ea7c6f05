// 亲情号 (bind, with a captcha and a daily limit, and unbind family numbers) and 办事 / 收藏 (the
// catalogue of public services with favourites and missing levels). 账号关联 lives in links.ts.

import type Router from '@koa/router';
import type { Context } from 'koa';
import { certTypeLabelKeys, certTypes, isCertType } from '../../domain/documents.js';
import { identityLevelLabelKeys, isIdentityLevel, levelRank } from '../../domain/levels.js';
import { field } from '../../http/body.js';
import { familyRelations, MAX_FAMILY_BINDINGS } from '../../services/family.js';
import type { RouteDeps } from '../../pages/deps.js';
import { accountGuard, centreOf, changeContext, formError, formatTime, msg, renderCentre } from '../../pages/account/context.js';
import { seeOther } from '../../http/redirect.js';

export function connectionRoutes(router: Router, deps: RouteDeps): void {
  const { services } = deps;
  const guard = accountGuard(deps);

  // 亲情号
  const showFamily = async (ctx: Context, extra: { error?: string; fieldErrors?: Record<string, string>; notice?: string; values?: Record<string, string>; status?: number } = {}) => {
    const { account } = centreOf(ctx);
    const members = await services.family.list(account.id);
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
      captcha: canBind && !full ? await services.captcha.issue() : undefined,
      max: MAX_FAMILY_BINDINGS,
      certTypeOptions: certTypes.map((c) => ({ value: c, label: msg(ctx, certTypeLabelKeys[c]) })),
      relationOptions: familyRelations.map((r) => ({ value: r, label: msg(ctx, `account.family.relation.${r}`) })),
      values: extra.values ?? { certType: '01', relation: 'parent' },
      fieldErrors: extra.fieldErrors ?? {},
      error: extra.error,
      notice: extra.notice,
    }, extra.status);
  };
  router.get('/family', (ctx) => showFamily(ctx));
  router.post('/family/bind', async (ctx) => {
    const form = await guard(ctx);
    const values = {
      certType: field(form, 'certType', 4),
      documentNumber: field(form, 'documentNumber', 64),
      name: field(form, 'name', 64),
      relation: field(form, 'relation', 16),
    };
    // The captcha before anything else: each attempt answers registered / bound / registry match.
    if (!(await services.captcha.verify(field(form, 'captchaId', 64), field(form, 'captcha', 16)))) {
      return showFamily(ctx, { fieldErrors: { captcha: msg(ctx, 'captcha.invalid') }, values, status: 400 });
    }
    try {
      const member = await services.family.bind(centreOf(ctx).account.id, values, changeContext(ctx));
      await showFamily(ctx, { notice: msg(ctx, 'account.family.bound_ok', { name: member.name }) });
    } catch (err) {
      const shown = formError(ctx, err);
      if (!shown) throw err;
      const extra = shown.field ? { fieldErrors: { [shown.field]: shown.message } } : { error: shown.message };
      await showFamily(ctx, { ...extra, values, status: shown.status });
    }
  });
  router.post('/family/unbind', async (ctx) => {
    const form = await guard(ctx);
    try {
      await services.family.unbind(centreOf(ctx).account.id, field(form, 'id', 64), changeContext(ctx));
    } catch (err) {
      const shown = formError(ctx, err);
      if (!shown) throw err;
      return showFamily(ctx, { error: shown.message, status: shown.status });
    }
    await showFamily(ctx, { notice: msg(ctx, 'account.family.unbound_ok') });
  });

  // 办事 / 收藏: only clients an operator put in the catalogue (a dynamically registered client is
  // never listed, whatever its row holds, so it cannot pose as an official service).
  const catalogue = async () =>
    (await deps.clients.list())
      .filter((c) => c.source !== 'registration' && c.metadata.public_service === true)
      .map((c) => ({
        clientId: c.clientId,
        name: typeof c.metadata.client_name === 'string' ? c.metadata.client_name : c.clientId,
        description: typeof c.metadata.service_description === 'string' ? c.metadata.service_description : '',
        requiredLevel: isIdentityLevel(c.metadata.required_level) ? c.metadata.required_level : 'registered',
        uri: typeof c.metadata.client_uri === 'string' && /^https?:\/\//.test(c.metadata.client_uri) ? c.metadata.client_uri : undefined,
      }));
  const showServices = async (ctx: Context, extra: { error?: string; status?: number } = {}) => {
    const { account } = centreOf(ctx);
    const favourites = new Set(await services.accountCentre.favourites(account.id));
    const list = (await catalogue()).map((s) => {
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
  };
  router.get('/services', (ctx) => showServices(ctx));
  router.post('/services/favourite', async (ctx) => {
    const form = await guard(ctx);
    const clientId = field(form, 'clientId', 200);
    if (!(await catalogue()).some((s) => s.clientId === clientId)) return showServices(ctx, { error: msg(ctx, 'errors.not_found'), status: 404 });
    await services.accountCentre.setFavourite(centreOf(ctx).account.id, clientId, form.on === 'yes');
    seeOther(ctx, '/account/services');
  });
}
