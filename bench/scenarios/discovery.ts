// Discovery document: rendered once per key set, so ours should beat the bare provider.

import { endpointScenario } from './endpoint.js';

export default endpointScenario('discovery', 'discovery', (_bench, t) => ({ url: `${t.base}/.well-known/openid-configuration` }), { minRatio: 0.8 });
