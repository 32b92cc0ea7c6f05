// Page rendering: one nunjucks environment (autoescape on, templates compiled once and cached),
// with the request's locale, CSP nonce and CSRF token available to every template.

import nunjucks from 'nunjucks';
import type { Context } from 'koa';
import { t, type Locale } from '../i18n/index.js';
import { viewsDir } from '../paths.js';

export interface Views {
  renderString(template: string, model: Record<string, unknown>, locale: Locale, nonce?: string): string;
}

/** What the layout's footer shows on every page (config.site). */
export interface SiteFooter {
  sponsor: string;
  siteCode: string;
  icp: string;
  hotline: string;
}

export function createViews(options: { watch?: boolean; site?: SiteFooter } = {}): Views {
  const env = new nunjucks.Environment(new nunjucks.FileSystemLoader(viewsDir, { noCache: options.watch ?? false }), {
    autoescape: true,
    throwOnUndefined: false,
  });
  return {
    renderString(template, model, locale, nonce) {
      return env.render(template, {
        ...model,
        locale,
        htmlLang: locale === 'en' ? 'en' : 'zh-CN',
        nonce,
        site: options.site,
        t: (key: string, params?: Record<string, string | number>) => t(locale, key, params),
      });
    },
  };
}

/** Renders `template` as the response body with the request's locale, nonce and CSRF token. */
export function render(ctx: Context, views: Views, template: string, model: Record<string, unknown> = {}, status?: number): void {
  const state = ctx.state as { locale?: Locale; nonce?: string; csrfToken?: string; care?: boolean };
  ctx.type = 'text/html; charset=utf-8';
  if (status) ctx.status = status;
  ctx.body = views.renderString(
    template,
    // care: 长辈版 on or off (the layout's switch and body class)
    { csrfToken: state.csrfToken, care: state.care === true, ...model },
    state.locale ?? 'zh-CN',
    state.nonce,
  );
}
