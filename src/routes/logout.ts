// POST /session/end: RP-initiated logout by POST (OpenID Connect RP-Initiated Logout 1.0 §2), so a
// relying party need not put its ID token in a URL. Our session cookies are SameSite=Lax and do not
// come with a cross-site POST, so the request is checked here (the id_token_hint verified, its
// audience taken as client_id) and the browser is sent on with a 303 to the GET form without the
// hint; that top-level GET carries the cookies and oidc-provider asks the citizen to confirm.

import Router from '@koa/router';
import type { Context } from 'koa';
import { AppError } from '../errors/app-error.js';
import { readForm } from '../http/body.js';
import { limitPostsPerIp } from '../http/form-guard.js';
import type { RouteDeps } from '../pages/deps.js';
import { seeOther } from '../http/redirect.js';

/** The parameters passed on to the GET form (the hint stays behind; logout_hint is not used here). */
const passedOn = ['post_logout_redirect_uri', 'state', 'ui_locales'] as const;

function audienceOf(jwt: string): string | undefined {
  const payload = jwt.split('.')[1];
  if (!payload) return undefined;
  try {
    const { aud } = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { aud?: unknown };
    return typeof aud === 'string' ? aud : Array.isArray(aud) && aud.length === 1 && typeof aud[0] === 'string' ? aud[0] : undefined;
  } catch {
    return undefined;
  }
}

export function logoutRoutes(deps: Pick<RouteDeps, 'oidc' | 'services' | 'config'>): Router {
  const router = new Router();
  const invalid = () => new AppError('errors.oauth_request_invalid', 400);

  router.post('/session/end', async (ctx: Context) => {
    await limitPostsPerIp(ctx, deps.services.rateLimiter, deps.config.rateLimits.postsPerIpPerMinute);
    const form = await readForm(ctx, 16 * 1024);
    const provider = deps.oidc.provider;
    let clientId = form.client_id || undefined;
    if (form.id_token_hint) {
      const audience = audienceOf(form.id_token_hint);
      if (!audience || (clientId && clientId !== audience)) throw invalid();
      const client = await provider.Client.find(audience);
      if (!client) throw invalid();
      try {
        await provider.IdToken.validate(form.id_token_hint, client);
      } catch {
        throw invalid();
      }
      clientId = audience;
    }
    const query = new URLSearchParams();
    if (clientId) query.set('client_id', clientId);
    for (const name of passedOn) if (form[name]) query.set(name, form[name]);
    seeOther(ctx, `/session/end${query.size > 0 ? `?${query}` : ''}`);
  });

  return router;
}
