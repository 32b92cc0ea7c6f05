// A small browser-like HTTP client for tests: a cookie jar, manual redirects (so each hop can be
// inspected) and form helpers. Bounded: at most 20 redirects, each request with a timeout.

export interface Response2 {
  status: number;
  url: string;
  headers: Headers;
  text: string;
  location: string | undefined;
}

export class CookieJar {
  private readonly cookies = new Map<string, string>();

  store(setCookies: string[]): void {
    for (const line of setCookies) {
      const [pair = '', ...attributes] = line.split(';');
      const eq = pair.indexOf('=');
      if (eq < 1) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attributes.some((a) => {
        const [k = '', v = ''] = a.trim().split('=');
        if (k.toLowerCase() === 'max-age') return Number(v) <= 0;
        if (k.toLowerCase() === 'expires') return Date.parse(v) < Date.now();
        return false;
      });
      if (expired || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  get(name: string): string | undefined {
    return this.cookies.get(name);
  }

  names(): string[] {
    return [...this.cookies.keys()];
  }

  clear(): void {
    this.cookies.clear();
  }
}

export interface Browser {
  jar: CookieJar;
  request(url: string, init?: RequestInit & { form?: Record<string, string>; json?: unknown }): Promise<Response2>;
  /** Follows redirects from `url` until a non-redirect answer or `stop(url)` is true. */
  follow(url: string, stop?: (url: string) => boolean): Promise<Response2>;
  get(url: string): Promise<Response2>;
  post(url: string, form: Record<string, string>): Promise<Response2>;
}

export function createBrowser(baseUrl: string, options: { timeoutMs?: number; headers?: Record<string, string> } = {}): Browser {
  const jar = new CookieJar();
  const timeoutMs = options.timeoutMs ?? 15_000;

  const request: Browser['request'] = async (url, init = {}) => {
    const absolute = new URL(url, baseUrl).toString();
    const headers = new Headers(init.headers);
    for (const [k, v] of Object.entries(options.headers ?? {})) if (!headers.has(k)) headers.set(k, v);
    const cookie = jar.header();
    if (cookie && new URL(absolute).origin === new URL(baseUrl).origin) headers.set('cookie', cookie);
    let body = init.body;
    if (init.form) {
      headers.set('content-type', 'application/x-www-form-urlencoded');
      body = new URLSearchParams(init.form).toString();
    } else if (init.json !== undefined) {
      headers.set('content-type', 'application/json');
      body = JSON.stringify(init.json);
    }
    const res = await fetch(absolute, {
      ...init,
      method: init.method ?? (body ? 'POST' : 'GET'),
      headers,
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (new URL(absolute).origin === new URL(baseUrl).origin) jar.store(res.headers.getSetCookie());
    const location = res.headers.get('location') ?? undefined;
    return {
      status: res.status,
      url: absolute,
      headers: res.headers,
      text: await res.text(),
      location: location ? new URL(location, absolute).toString() : undefined,
    };
  };

  const follow: Browser['follow'] = async (url, stop) => {
    let current = new URL(url, baseUrl).toString();
    for (let hop = 0; hop < 20; hop += 1) {
      if (stop?.(current)) return { status: 0, url: current, headers: new Headers(), text: '', location: current };
      const res = await request(current);
      if (res.status < 300 || res.status >= 400 || !res.location) return res;
      current = res.location;
    }
    throw new Error(`too many redirects from ${url}`);
  };

  return {
    jar,
    request,
    follow,
    get: (url) => request(url),
    post: (url, form) => request(url, { method: 'POST', form }),
  };
}

/** The value of a hidden or text input `name` in an HTML page, or undefined. */
export function inputValue(html: string, name: string): string | undefined {
  const re = new RegExp(`<input[^>]*name="${name}"[^>]*>`, 'i');
  const tag = re.exec(html)?.[0];
  const value = tag ? /value="([^"]*)"/i.exec(tag)?.[1] : undefined;
  return value?.replace(/&amp;/g, '&').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>');
}

/** The action of the first form (or the form with id `formId`) in an HTML page. */
export function formAction(html: string, formId?: string): string | undefined {
  const re = formId ? new RegExp(`<form[^>]*id="${formId}"[^>]*>`, 'i') : /<form[^>]*>/i;
  const tag = re.exec(html)?.[0];
  return tag ? /action="([^"]*)"/i.exec(tag)?.[1]?.replace(/&amp;/g, '&') : undefined;
}
