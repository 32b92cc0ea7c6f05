// Client credentials grant: client authentication and an opaque access token stored in PostgreSQL.

import { basic, form } from '../lib/context.js';
import { endpointScenario } from './endpoint.js';

export default endpointScenario(
  'client-credentials',
  'client credentials',
  (bench, t) => ({ url: `${t.base}/token`, method: 'POST', headers: { ...form, authorization: basic(bench.cc.clientId, bench.cc.clientSecret) }, body: 'grant_type=client_credentials' }),
  { minRatio: 0.5, maxProviderMs: 0.2 },
);
