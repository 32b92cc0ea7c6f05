// The pages 个人主页 (the next level to unlock, the latest cases by list, recent activity), 我的信息
// (masked, the full number behind the re-authentication block, the proofs behind the level) and 修改密码.

import type { Context } from 'koa';
import { certTypeLabelKeys, isCertType } from '../../domain/documents.js';
import { identityLevelLabelKeys, type IdentityLevel } from '../../domain/levels.js';
import { maskDocument, maskPhone } from '../../domain/masking.js';
import { isUpstreamName } from '../../domain/sign-in-methods.js';
import type { RouteDeps } from '../deps.js';
import { caseCategories, caseRowModel } from './cases-view.js';
import { centreOf, eventLabel, formatTime, renderCentre } from './context.js';
import { reauthBlock, requestedMethod, type ReauthMethod } from '../reauth-block.js';

const nextLevel: Record<IdentityLevel, { unlock: string; action: string; href: string } | undefined> = {
  registered: { unlock: 'account.home.unlock_real_name', action: 'account.home.go_real_name', href: '/account/profile/real-name' },
  real_name: { unlock: 'account.home.unlock_real_person', action: 'account.home.go_face', href: '/account/face' },
  real_person: undefined,
};
const proofKindKeys: Record<string, string> = {
  registry_match: 'account.info.proof.registry_match',
  face_match: 'account.info.proof.face_match',
  upstream_assertion: 'account.info.proof.upstream_assertion',
};

/** 个人主页 of the signed-in account. */
export async function showHome(ctx: Context, deps: RouteDeps): Promise<void> {
  const { account } = centreOf(ctx);
  const events = await deps.services.accountCentre.activity(account.id, { limit: 10 });
  const summary = await deps.services.cases.summary(account.id, 3);
  const next = nextLevel[account.level];
  renderCentre(ctx, deps, 'account/home.njk', 'home', {
    next: next ? { ...next, levelLabel: identityLevelLabelKeys[account.level === 'registered' ? 'real_name' : 'real_person'] } : undefined,
    caseGroups: caseCategories.map((c) => ({ id: c, label: `cases.category.${c}`, href: `/account/cases?status=${c}`, count: summary[c].count, items: summary[c].latest.map(caseRowModel) })),
    activity: events.map((e) => ({ at: formatTime(e.at), label: eventLabel(ctx, e.event), outcome: e.outcome, ip: e.ip ?? '' })),
  });
}

/** What 我的信息 shows besides the account: the revealed number, a message, the re-authentication block's state. */
export interface InfoExtra {
  revealed?: string | undefined;
  error?: string;
  fieldErrors?: Record<string, string>;
  notice?: string;
  codeSent?: boolean;
  method?: ReauthMethod;
  status?: number;
}

/** 我的信息 of the signed-in account. */
export async function showInfo(ctx: Context, deps: RouteDeps, extra: InfoExtra = {}): Promise<void> {
  const { account } = centreOf(ctx);
  // The shared re-authentication block guards the full number (its captcha only on the SMS way, before the code is sent).
  const reauth = account.documentNumber && !extra.revealed
    ? await reauthBlock(deps, account.id, { method: extra.method ?? requestedMethod(ctx), codeSent: extra.codeSent === true, sendAction: '/account/info/reveal/send', pageUrl: '/account/info' })
    : undefined;
  renderCentre(ctx, deps, 'account/info.njk', 'info', {
    certTypeLabel: account.certType && isCertType(account.certType) ? certTypeLabelKeys[account.certType] : undefined,
    documentMasked: account.documentNumber ? maskDocument(account.documentNumber) : undefined,
    revealed: extra.revealed,
    phoneMasked: account.phoneE164 ? maskPhone(account.phoneE164) : undefined,
    reauth,
    ready: reauth !== undefined && (reauth.method === 'pwd' || reauth.codeSent),
    proofs: account.proofs.map((p) => ({
      at: formatTime(p.createdAt),
      kind: proofKindKeys[p.kind] ?? p.kind,
      levelLabel: identityLevelLabelKeys[p.level],
      // an upstream's assertion names the upstream (江苏政务 …); the registry and face adapters are plumbing
      source: p.kind === 'upstream_assertion' && isUpstreamName(p.adapter) ? `account.upstream.${p.adapter}` : undefined,
    })),
    registeredAt: formatTime(account.createdAt),
    error: extra.error,
    notice: extra.notice,
    fieldErrors: extra.fieldErrors ?? {},
  }, extra.status);
}

/** 修改密码 with a message. */
export function showPassword(ctx: Context, deps: RouteDeps, extra: { error?: string; fieldErrors?: Record<string, string>; notice?: string; status?: number } = {}): void {
  renderCentre(ctx, deps, 'account/password.njk', 'password', { error: extra.error, fieldErrors: extra.fieldErrors ?? {}, notice: extra.notice }, extra.status);
}
