// src/config/: the typed Config (schema, env map, loader, policy texts), the only reader of process.env; imports domain/ and src/paths.ts only.
// Builds the frozen Config: defaults ← per-environment file ← environment ← explicit overrides.
// The only module that reads process.env. Invalid configuration → ConfigError with one line per key.

import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { configDir } from '../paths.js';
import { envMap } from './env-map.js';
import { configSchema, type Config, type RuntimeEnv } from './schema.js';

export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

type Plain = Record<string, unknown>;
export type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? (T[K] extends unknown[] ? T[K] : DeepPartial<T[K]>) : T[K] };

function isPlain(value: unknown): value is Plain {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function merge(base: Plain, over: Plain): Plain {
  const out: Plain = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const current = out[key];
    out[key] = isPlain(current) && isPlain(value) ? merge(current, value) : value;
  }
  return out;
}

function setPath(target: Plain, dotted: string, value: unknown): void {
  const parts = dotted.split('.');
  let node = target;
  for (const part of parts.slice(0, -1)) {
    if (!isPlain(node[part])) node[part] = {};
    node = node[part] as Plain;
  }
  node[parts[parts.length - 1] as string] = value;
}

function readJson(file: string): Plain {
  if (!existsSync(file)) return {};
  const value: unknown = JSON.parse(readFileSync(file, 'utf8'));
  if (!isPlain(value)) throw new ConfigError([`${file}: must hold a JSON object`]);
  return value;
}

function runtimeEnv(raw: string | undefined): RuntimeEnv {
  if (raw === 'production' || raw === 'test') return raw;
  return 'development';
}

/** Settings production refuses to run without; one message per missing one. */
function productionProblems(config: Config): string[] {
  const problems: string[] = [];
  if (!config.databaseUrl && !config.allowEmbeddedDatabase) {
    problems.push('DATABASE_URL: required in production (PostgreSQL); the embedded engine is for one machine in development (ALLOW_EMBEDDED_DATABASE=true overrides, with a warning)');
  }
  if (!config.secrets.encryptionKey) problems.push('ENCRYPTION_KEY: required in production (32+ random bytes, base64 or hex)');
  if (config.secrets.cookieKeys.length === 0) problems.push('COOKIE_KEYS: required in production (comma-separated, 32+ characters each)');
  if (!config.issuer.startsWith('https://')) problems.push('ISSUER: must be an https:// URL in production');
  if (config.trustedProxies === 0 || (Array.isArray(config.trustedProxies) && config.trustedProxies.length === 0)) {
    problems.push('TRUSTED_PROXIES: required in production: the number of proxies in front of the provider (e.g. 1) or their addresses/CIDRs; the provider serves plain HTTP, so without a trusted proxy saying X-Forwarded-Proto: https every page would be refused');
  }
  if (config.adapters.sms.driver !== 'http' || !config.adapters.sms.url) problems.push('SMS_DRIVER=http and SMS_URL: production needs the real SMS gateway');
  if (config.adapters.registry.driver !== 'http' || !config.adapters.registry.url || !config.adapters.registry.appSecret) {
    problems.push('REGISTRY_DRIVER=http, REGISTRY_URL, REGISTRY_APP_KEY and REGISTRY_APP_SECRET: production needs the real population registry');
  }
  if (config.appClient.linkBase.startsWith('/')) {
    problems.push('APP_LINK_BASE: a path on this server is the development app simulator; in production set the app\'s deep link (scheme:… or https://…) or leave it empty (QR only)');
  }
  problems.push(...upstreamProductionProblems(config));
  return problems;
}

/** Each enabled upstream sign-in method needs absolute real URLs and its keys in production. */
function upstreamProductionProblems(config: Config): string[] {
  const problems: string[] = [];
  const absolute = (url: string | undefined) => typeof url === 'string' && /^https:\/\//.test(url) && !/\/mock\//.test(url);
  const { essc, jszw, alipay } = config.adapters;
  const on = (method: string) => (config.login.methods as readonly string[]).includes(method);
  if (on('essc') && (!absolute(essc.baseUrl) || !essc.secret || !essc.key)) {
    problems.push('ESSC_BASE_URL (https), ESSC_CHANNEL_NO, ESSC_CHANNEL_SECRET and ESSC_CHANNEL_KEY: required while essc is in LOGIN_METHODS');
  }
  const jszwUrls = jszw.authorizeUrl && jszw.tokenUrl && jszw.userinfoUrl ? [jszw.authorizeUrl, jszw.tokenUrl, jszw.userinfoUrl] : [jszw.baseUrl];
  if (on('jszw') && (!jszwUrls.every(absolute) || !jszw.clientSecret)) {
    problems.push('JSZW_BASE_URL (https) or JSZW_AUTHORIZE_URL/JSZW_TOKEN_URL/JSZW_USERINFO_URL, JSZW_CLIENT_ID and JSZW_CLIENT_SECRET: required while jszw is in LOGIN_METHODS');
  }
  if (on('alipay') && (!absolute(alipay.authorizeUrl) || !absolute(alipay.gatewayUrl) || !alipay.privateKey || !alipay.publicKey)) {
    problems.push('ALIPAY_AUTHORIZE_URL and ALIPAY_GATEWAY_URL (https), ALIPAY_APP_ID, ALIPAY_PRIVATE_KEY and ALIPAY_PUBLIC_KEY: required while alipay is in LOGIN_METHODS');
  }
  return problems;
}

export interface LoadOptions {
  env?: NodeJS.ProcessEnv;
  overrides?: DeepPartial<Config>;
}

/** Loads and validates configuration; throws ConfigError listing every problem. */
export function loadConfig(options: LoadOptions = {}): Readonly<Config> {
  const env = options.env ?? process.env;
  if (env.TRUST_PROXY !== undefined && env.TRUST_PROXY !== '') {
    // Removed rather than mapped: `true` trusted any client's X-Forwarded-For, which is the hole it leaves.
    throw new ConfigError(['TRUST_PROXY: removed; set TRUSTED_PROXIES to the number of proxies in front of the provider (e.g. 1) or their addresses/CIDRs (see the README)']);
  }
  const mode = runtimeEnv(env.NODE_ENV);
  let raw = merge(readJson(join(configDir, 'default.json')), readJson(join(configDir, `${mode}.json`)));
  raw = merge(raw, { env: mode, secrets: { previousEncryptionKeys: [], cookieKeys: [] } });
  for (const [name, [path, parse]] of Object.entries(envMap)) {
    const value = env[name];
    if (value !== undefined && value !== '') setPath(raw, path, parse(value));
  }
  if (options.overrides) raw = merge(raw, options.overrides as Plain);
  if (raw.issuer === undefined) raw.issuer = `http://localhost:${String(raw.port)}`;
  // Every core in production when the database can take several writers; one process otherwise.
  if (raw.workers === undefined) raw.workers = mode === 'production' && typeof raw.databaseUrl === 'string' ? availableParallelism() : 1;

  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`));
  }
  const config = parsed.data;
  if (config.workers > 1 && !config.databaseUrl) {
    throw new ConfigError(['WORKERS: more than 1 needs PostgreSQL (DATABASE_URL); the embedded engine has one writer, so it runs as one process']);
  }
  if (config.env === 'production') {
    const problems = productionProblems(config);
    if (problems.length > 0) throw new ConfigError(problems);
  }
  return deepFreeze(config);
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
