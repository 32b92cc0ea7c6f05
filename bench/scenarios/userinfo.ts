// UserInfo with a bearer access token (scope openid profile phone).

import { endpointScenario } from './endpoint.js';

export default endpointScenario('userinfo', 'userinfo', (_bench, t) => ({ url: `${t.base}/me`, headers: { authorization: `Bearer ${t.accessToken}` } }), {
  minRatio: 0.5,
  maxProviderMs: 0.25,
});
