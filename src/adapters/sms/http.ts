// The real SMS gateway over HTTP: POST JSON { phone, template, params, text } with a bearer key
// and a hard timeout. Any failure becomes UpstreamError('sms'); codes and numbers are never logged.

import { UpstreamError } from '../../errors/app-error.js';
import { renderSmsNotice, renderSmsText, type SmsGateway } from './types.js';
import { upstreamFetch } from '../upstream-fetch.js';

export interface HttpSmsGatewayOptions {
  url: string;
  apiKey: string;
  timeoutMs: number;
  fetch?: typeof fetch;
}

export function createHttpSmsGateway(options: HttpSmsGatewayOptions): SmsGateway {
  const doFetch = options.fetch ?? upstreamFetch;

  const post = async (body: string): Promise<void> => {
    let response: Response;
    try {
      response = await doFetch(options.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json; charset=utf-8',
          accept: 'application/json',
          authorization: `Bearer ${options.apiKey}`,
        },
        body,
        signal: AbortSignal.timeout(options.timeoutMs),
      });
      // Drain the body (bounded by the same signal) so the connection can be reused.
      await response.arrayBuffer();
    } catch (err) {
      throw new UpstreamError('sms', 'errors.sms_unavailable', { cause: describe(err) });
    }
    if (!response.ok) throw new UpstreamError('sms', 'errors.sms_unavailable', { cause: `HTTP ${response.status}` });
  };

  return {
    send: (phoneE164, template, params) => post(JSON.stringify({ phone: phoneE164, template, params, text: renderSmsText(template, params) })),
    // A notice is a template without parameters (the gateway's template id is its name).
    notify: (phoneE164, notice) => post(JSON.stringify({ phone: phoneE164, template: notice, params: {}, text: renderSmsNotice(notice) })),
  };
}

/** A cause that names the failure without echoing the request (which holds the code and number). */
function describe(err: unknown): string {
  if (err instanceof Error) return err.name === 'TimeoutError' ? 'timeout' : `${err.name}: network error`;
  return 'network error';
}
