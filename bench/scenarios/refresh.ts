// Refresh token grant (the same refresh token again and again: no rotation for this client).

import { basic, form } from '../lib/context.js';
import { endpointScenario } from './endpoint.js';

export default endpointScenario(
  'refresh',
  'refresh',
  (bench, t) => ({
    url: `${t.base}/token`,
    method: 'POST',
    headers: { ...form, authorization: basic(bench.rp.clientId, bench.rp.clientSecret) },
    body: `grant_type=refresh_token&refresh_token=${t.refreshToken}`,
  }),
  { maxProviderMs: 0.75 },
);
