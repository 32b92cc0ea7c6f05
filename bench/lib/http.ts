// A lean HTTP/1.1 client for the load generators: keep-alive agent, manual redirects, a per-citizen
// cookie jar, and the headers a TLS-terminating load balancer adds (X-Forwarded-Proto/-For).

import http from 'node:http';

export interface Reply {
  status: number;
  location: string | undefined;
  body: string;
  ms: number;
}

export class Jar {
  private readonly cookies = new Map<string, string>();

  store(setCookie: string[] | undefined): void {
    for (const line of setCookie ?? []) {
      const pair = line.split(';', 1)[0] ?? '';
      const eq = pair.indexOf('=');
      if (eq < 1) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = /;\s*expires=Thu, 01 Jan 1970/i.test(line) || /;\s*max-age=0/i.test(line);
      if (expired || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

export interface ClientOptions {
  /** http://127.0.0.1:port where the server listens. */
  base: string;
  /** The public origin the server believes it has (its issuer's origin), rewritten to `base`. */
  publicOrigin?: string;
  maxSockets?: number;
}

export class HttpClient {
  readonly base: URL;
  private readonly publicOrigin: string | undefined;
  readonly agent: http.Agent;
  /** Latency of every request made through this client (ms), for the step percentiles; the ones that verify a password hash apart. */
  readonly latencies: number[] = [];
  readonly hashLatencies: number[] = [];
  recording = false;

  constructor(options: ClientOptions) {
    this.base = new URL(options.base);
    this.publicOrigin = options.publicOrigin;
    this.agent = new http.Agent({ keepAlive: true, maxSockets: options.maxSockets ?? 64 });
  }

  /** Path + query of `url` on our server (absolute public URLs are mapped back to the local listener). */
  local(url: string): string {
    if (url.startsWith('/')) return url;
    if (this.publicOrigin && url.startsWith(this.publicOrigin)) return url.slice(this.publicOrigin.length) || '/';
    if (url.startsWith(this.base.origin)) return url.slice(this.base.origin.length) || '/';
    throw new Error(`not our server: ${url}`);
  }

  request(
    method: string,
    path: string,
    options: { jar?: Jar; ip?: string; form?: Record<string, string>; headers?: Record<string, string>; verifiesHash?: boolean } = {},
  ): Promise<Reply> {
    const headers: Record<string, string> = { 'x-forwarded-proto': 'https', ...options.headers };
    if (options.ip) headers['x-forwarded-for'] = options.ip;
    const cookie = options.jar?.header();
    if (cookie) headers.cookie = cookie;
    let payload: Buffer | undefined;
    if (options.form) {
      payload = Buffer.from(new URLSearchParams(options.form).toString());
      headers['content-type'] = 'application/x-www-form-urlencoded';
      headers['content-length'] = String(payload.length);
    }
    const started = performance.now();
    return new Promise<Reply>((resolve, reject) => {
      const req = http.request(
        { host: this.base.hostname, port: this.base.port, method, path, headers, agent: this.agent, timeout: 30_000 },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const ms = performance.now() - started;
            if (this.recording) (options.verifiesHash ? this.hashLatencies : this.latencies).push(ms);
            options.jar?.store(res.headers['set-cookie']);
            const location = res.headers.location;
            const origin = this.publicOrigin ?? this.base.origin;
            resolve({ status: res.statusCode ?? 0, location: location ? new URL(location, origin + path).toString() : undefined, body: Buffer.concat(chunks).toString('utf8'), ms });
          });
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`timeout: ${method} ${path}`)));
      req.on('error', reject);
      if (payload) req.write(payload);
      req.end();
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

/** The value of input `name` in an HTML page. */
export function inputValue(html: string, name: string): string | undefined {
  const tag = new RegExp(`<input[^>]*name="${name}"[^>]*>`, 'i').exec(html)?.[0];
  const value = tag ? /value="([^"]*)"/i.exec(tag)?.[1] : undefined;
  return value?.replace(/&amp;/g, '&').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>');
}

/** Percentile (0–100) of unsorted samples; 0 for none. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return 0;
  const sorted = Float64Array.from(samples).sort();
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] ?? 0;
}
