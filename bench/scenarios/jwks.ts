// JWKS: the public keys, rendered once per key set.

import { endpointScenario } from './endpoint.js';

export default endpointScenario('jwks', 'JWKS', (_bench, t) => ({ url: `${t.base}/jwks` }), { minRatio: 0.8 });
