// Token introspection of a user's access token by its relying party.

import { basic, form } from '../lib/context.js';
import { endpointScenario } from './endpoint.js';

export default endpointScenario(
  'introspection',
  'introspection',
  (bench, t) => ({
    url: `${t.base}/token/introspection`,
    method: 'POST',
    headers: { ...form, authorization: basic(bench.rp.clientId, bench.rp.clientSecret) },
    body: `token=${t.accessToken}&token_type_hint=access_token`,
  }),
  { minRatio: 0.5, maxProviderMs: 0.25 },
);
