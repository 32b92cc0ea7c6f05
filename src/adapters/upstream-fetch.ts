// The `fetch` every upstream adapter calls by default (SMS gateway, registry, rights, face, 江苏政务,
// 电子社保卡, 支付宝): node:http(s) over keep-alive sockets, 0.40–0.50× of undici fetch's CPU per call
// (bench/outbound-call-cost.ts); the answer's size is capped; redirects are never followed.

import http from 'node:http';
import https from 'node:https';

/** Largest answer an upstream may send (the biggest real one, a 权益单, is tens of kilobytes). */
export const UPSTREAM_MAX_ANSWER_BYTES = 1 << 20;

/** Idle sockets close before a server's usual 5 s keep-alive does, so a reused socket is rarely a closing one. */
const agentOptions = { keepAlive: true, timeout: 4_000 } as const;
const agents = { 'http:': new http.Agent(agentOptions), 'https:': new https.Agent(agentOptions) };

/**
 * A `fetch` for the calls adapters make: string or URL input; `method`, record `headers`, a string or
 * URLSearchParams body, `signal` and `redirect` honoured; anything else is refused with a TypeError
 * rather than silently ignored. A 3xx is returned as the answer (fetch's `manual`), or rejected when
 * `redirect: 'error'`. The promise settles once the whole (capped) body has arrived.
 */
export const upstreamFetch: typeof fetch = (input, init = {}) => {
  try {
    return send(requestOf(input, init), init.signal ?? undefined, init.redirect ?? 'manual');
  } catch (err) {
    return Promise.reject(err);
  }
};

interface OutboundRequest {
  url: URL;
  method: string;
  headers: Record<string, string>;
  body: string | undefined;
}

function requestOf(input: Parameters<typeof fetch>[0], init: RequestInit): OutboundRequest {
  if (typeof input !== 'string' && !(input instanceof URL)) throw new TypeError('upstreamFetch: a Request object is not supported');
  const url = new URL(input);
  if (!(url.protocol in agents)) throw new TypeError(`upstreamFetch: unsupported protocol ${url.protocol}`);
  const { headers, body } = init;
  if (headers !== undefined && (headers instanceof Headers || Array.isArray(headers))) throw new TypeError('upstreamFetch: headers must be a plain object');
  const text = body === undefined || body === null ? undefined : typeof body === 'string' ? body : body instanceof URLSearchParams ? body.toString() : undefined;
  if (body !== undefined && body !== null && text === undefined) throw new TypeError('upstreamFetch: the body must be a string or URLSearchParams');
  const outgoing: Record<string, string> = { ...(headers as Record<string, string> | undefined) };
  if (body instanceof URLSearchParams && !Object.keys(outgoing).some((k) => k.toLowerCase() === 'content-type')) {
    outgoing['content-type'] = 'application/x-www-form-urlencoded;charset=UTF-8';
  }
  if (text !== undefined) outgoing['content-length'] = String(Buffer.byteLength(text));
  return { url, method: (init.method ?? 'GET').toUpperCase(), headers: outgoing, body: text };
}

function send(request: OutboundRequest, signal: AbortSignal | undefined, redirect: NonNullable<RequestInit['redirect']>): Promise<Response> {
  if (signal?.aborted) return Promise.reject(signal.reason);
  const { url } = request;
  const transport = url.protocol === 'https:' ? https : http;
  return new Promise<Response>((resolve, reject) => {
    const req = transport.request(url, { method: request.method, headers: request.headers, agent: agents[url.protocol as keyof typeof agents] });
    let settled = false;
    const finish = (outcome: () => Response): void => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      try {
        resolve(outcome());
      } catch (err) {
        reject(err);
      }
    };
    const fail = (err: unknown): void => {
      finish(() => {
        throw err;
      });
      req.destroy();
    };
    const onAbort = () => fail(signal?.reason ?? new Error('aborted'));
    signal?.addEventListener('abort', onAbort, { once: true });
    req.on('error', fail);
    req.on('response', (res) => {
      const status = res.statusCode ?? 0;
      if (redirect === 'error' && status >= 300 && status < 400) {
        fail(new TypeError(`upstreamFetch: redirect (HTTP ${status}) refused`));
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > UPSTREAM_MAX_ANSWER_BYTES) fail(new RangeError(`upstreamFetch: answer larger than ${UPSTREAM_MAX_ANSWER_BYTES} bytes`));
        else chunks.push(chunk);
      });
      res.on('error', fail);
      // A connection closed before the body's end is a failure, not a short answer.
      res.on('close', () => {
        if (!res.complete) fail(new Error('upstreamFetch: connection closed before the answer was complete'));
      });
      res.on('end', () =>
        finish(() => {
          // 204/304 carry no body; Response refuses one for them (and statuses it cannot represent).
          const body = status === 204 || status === 304 || size === 0 ? null : Buffer.concat(chunks, size);
          return new Response(body, { status, statusText: res.statusMessage ?? '', headers: headersOf(res) });
        }),
      );
    });
    req.end(request.body);
  });
}

function headersOf(res: http.IncomingMessage): Headers {
  const headers = new Headers();
  const raw = res.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) headers.append(raw[i] as string, raw[i + 1] as string);
  return headers;
}
