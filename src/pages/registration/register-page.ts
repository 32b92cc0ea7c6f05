// The 注册 page (/register and /interaction/:uid/register): the form's view model, and how each
// registration step's outcome is presented (the form again, the done page, or the relying party).

import type { Context } from 'koa';
import { identityLevelLabelKeys } from '../../domain/levels.js';
import { RateLimitedError } from '../../errors/app-error.js';
import { FlowError } from '../../flows/engine/store.js';
import type { AppealKind, BeginOutcome, FieldErrors, FinishOutcome } from '../../flows/registration/steps.js';
import { requestState } from '../../http/state.js';
import { render } from '../../http/views.js';
import { t } from '../../i18n/index.js';
import type { RouteDeps } from '../deps.js';
import { certTypeOptions } from '../identity-form.js';
import type { InteractionDetails } from '../interaction/details.js';
import { finishLogin } from '../interaction/finish.js';

/** What the form shows: the typed values, the refusals (i18n codes), and the code step once a code was sent. */
export interface RegisterPageState {
  values: Record<string, string>;
  fieldErrors?: FieldErrors;
  error?: string;
  notice?: string;
  flowId?: string;
  codeSent?: boolean;
  maskedPhone?: string;
  appeal?: AppealKind;
  status?: number;
}

/** Where the page was opened: standalone (`uid` undefined) or for a relying party's interaction. */
export interface RegisterPlace {
  uid: string | undefined;
  details?: InteractionDetails | undefined;
}

/** A number already in use: 登录 and 忘记密码 first (most often the citizen's own account), the appeal last, with its effect. */
function conflictModel(uid: string | undefined, appeal: AppealKind) {
  return {
    own: appeal !== 'family',
    login: uid ? `/interaction/${uid}` : '/account',
    recover: uid ? `/recover?interaction=${uid}` : '/recover',
    appeal: `/appeal?type=${appeal}`,
    label: appeal === 'document' ? 'register.appeal_document' : appeal === 'family' ? 'account.family.appeal_label' : 'register.appeal_phone',
    effect: `register.conflict_effect_${appeal}`,
  };
}

/** The registration form's presenter for the routes of `deps`. */
export function registerPage(deps: RouteDeps) {
  const { services, views } = deps;

  /** Renders the form in `page`'s state (a fresh captcha each time). */
  const show = async (ctx: Context, uid: string | undefined, page: RegisterPageState): Promise<void> => {
    const locale = requestState(ctx).locale;
    render(
      ctx,
      views,
      'registration/register.njk',
      {
        values: page.values,
        fieldErrors: Object.fromEntries(Object.entries(page.fieldErrors ?? {}).map(([k, v]) => [k, v ? t(locale, v) : undefined])),
        error: page.error,
        notice: page.notice,
        flowId: page.flowId ?? '',
        codeSent: page.codeSent ?? false,
        maskedPhone: page.maskedPhone,
        captcha: await services.captcha.issue(),
        certTypeOptions: certTypeOptions(locale),
        conflict: page.appeal ? conflictModel(uid, page.appeal) : undefined,
        actions: { submit: uid ? `/interaction/${uid}/register` : '/register' },
        // the version of the texts the consent boxes agree to (config/policies.json): the one a new account records
        policyVersion: services.policies.version,
        links: { login: uid ? `/interaction/${uid}` : undefined },
      },
      page.status,
    );
  };

  /** A step's outcome: the code step, the form with its refusals, or (registered) the done page or the relying party. */
  const settle = async (ctx: Context, place: RegisterPlace, values: Record<string, string>, code: string, outcome: BeginOutcome | FinishOutcome): Promise<void> => {
    const { uid, details } = place;
    const appeal = outcome.kind === 'fieldErrors' && outcome.appeal ? { appeal: outcome.appeal } : {};
    switch (outcome.kind) {
      case 'codeSent':
        return show(ctx, uid, { values, flowId: outcome.flowId, codeSent: true, maskedPhone: outcome.maskedPhone, notice: t(requestState(ctx).locale, 'login.sms_sent') });
      case 'fieldErrors': {
        if (!('flow' in outcome)) return show(ctx, uid, { values, fieldErrors: outcome.fields, ...appeal, status: outcome.status });
        // the SMS code stays filled in after an error about another field, while it is unspent
        const kept = outcome.fields.code || outcome.codeSpent ? values : { ...values, code };
        const codeStep = { flowId: outcome.flow.id, codeSent: true, maskedPhone: outcome.flow.maskedPhone };
        return show(ctx, uid, { values: kept, fieldErrors: outcome.fields, ...codeStep, ...appeal, status: outcome.status });
      }
      case 'registered':
        if (details) return finishLogin(ctx, { provider: deps.oidc.provider, accounts: services.accounts, audit: services.audit }, details, outcome.accountId, ['pwd', 'sms']);
        render(ctx, views, 'registration/done.njk', {
          levelLabel: identityLevelLabelKeys[outcome.level],
          registryUnavailable: outcome.registry === 'unavailable',
          flowId: outcome.flowId,
        }, 201);
    }
  };

  /** Runs a step and presents its outcome; a limit reached or a flow gone is told on the form itself. */
  const present = async (ctx: Context, place: RegisterPlace, values: Record<string, string>, code: string, step: () => Promise<BeginOutcome | FinishOutcome>): Promise<void> => {
    try {
      await settle(ctx, place, values, code, await step());
    } catch (err) {
      const locale = requestState(ctx).locale;
      if (err instanceof RateLimitedError) return show(ctx, place.uid, { values, error: t(locale, err.code, err.params), status: 429 });
      if (err instanceof FlowError) return show(ctx, place.uid, { values, error: t(locale, err.code), status: 400 });
      throw err;
    }
  };

  return { show, present };
}
