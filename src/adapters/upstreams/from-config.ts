// src/adapters/: one folder per outside system (registry, SMS, rights, face, upstream IdPs): its port type, HTTP adapter and dev stand-in; imports config/, domain/, errors/, i18n/ only.
// Builds the upstream sign-in ports (电子社保卡, 江苏政务, 支付宝) and the face gateway settings from
// Config: relative base URLs resolve against the issuer, and in development (never in production)
// missing channel keys, client secrets and RSA key pairs are generated so the mocks and adapters agree.

import { createPublicKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import type { Config } from '../../config/schema.js';
import type { Clock } from '../../domain/clock.js';
import type { IdentityLevel } from '../../domain/levels.js';
import { createAlipayUpstream } from './alipay/http.js';
import type { AlipayUpstream } from './alipay/types.js';
import { createEsscUpstream } from './essc/http.js';
import type { EsscUpstream } from './essc/types.js';
import { createJszwUpstream } from './jszw/http.js';
import type { JszwUpstream } from './jszw/types.js';

export interface UpstreamSettings {
  essc: { baseUrl: string; channelNo: string; secret?: string; key?: string; timeoutMs: number; level: IdentityLevel };
  jszw: {
    authorizeUrl: string;
    tokenUrl: string;
    userinfoUrl: string;
    clientId: string;
    clientSecret?: string;
    scope: string;
    timeoutMs: number;
    levels: { real_name: IdentityLevel; real_person: IdentityLevel };
  };
  alipay: { authorizeUrl: string; gatewayUrl: string; appId: string; privateKey?: string; publicKey?: string; timeoutMs: number; certifiedLevel: IdentityLevel };
  face: { gatewayUrl: string; appId: string; privateKey?: string; publicKey?: string; timeoutMs: number };
  /** Key material only the in-process development mocks need (Alipay's side of the key pair). */
  devMock?: { alipayPrivateKeyPem: string };
}

export interface UpstreamPorts {
  essc?: EsscUpstream;
  jszw?: JszwUpstream;
  alipay?: AlipayUpstream;
}

/** `https://…` stays; `/mock/essc` or '' (→ `fallback`) is taken relative to the issuer. */
export function resolveAgainstIssuer(issuer: string, url: string | undefined, fallback: string): string {
  const value = url && url.trim() !== '' ? url.trim() : fallback;
  if (/^https?:\/\//i.test(value)) return value;
  return `${issuer.replace(/\/+$/, '')}${value.startsWith('/') ? '' : '/'}${value}`;
}

function rsaPair(): { privateKeyPem: string; publicKeyPem: string } {
  const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    privateKeyPem: pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKeyPem: pair.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

/** The public key (PEM) of a private key given as PEM or bare base64. */
export function publicKeyOf(privateKey: string): string {
  const text = privateKey.includes('-----BEGIN') ? privateKey : `-----BEGIN PRIVATE KEY-----\n${privateKey.replace(/\s+/g, '')}\n-----END PRIVATE KEY-----\n`;
  return createPublicKey(text).export({ type: 'spki', format: 'pem' }).toString();
}

export function resolveUpstreamSettings(config: Readonly<Config>): UpstreamSettings {
  const { issuer } = config;
  const a = config.adapters;
  const jszwBase = resolveAgainstIssuer(issuer, a.jszw.baseUrl, '/mock/jszw').replace(/\/+$/, '');
  const settings: UpstreamSettings = {
    essc: {
      baseUrl: resolveAgainstIssuer(issuer, a.essc.baseUrl, '/mock/essc'),
      channelNo: a.essc.channelNo,
      ...(a.essc.secret ? { secret: a.essc.secret } : {}),
      ...(a.essc.key ? { key: a.essc.key } : {}),
      timeoutMs: a.essc.timeoutMs,
      level: a.essc.level,
    },
    jszw: {
      authorizeUrl: resolveAgainstIssuer(issuer, a.jszw.authorizeUrl, `${jszwBase}/oauth2/authorize`),
      tokenUrl: resolveAgainstIssuer(issuer, a.jszw.tokenUrl, `${jszwBase}/oauth2/token`),
      userinfoUrl: resolveAgainstIssuer(issuer, a.jszw.userinfoUrl, `${jszwBase}/oauth2/userinfo`),
      clientId: a.jszw.clientId,
      ...(a.jszw.clientSecret ? { clientSecret: a.jszw.clientSecret } : {}),
      scope: a.jszw.scope,
      timeoutMs: a.jszw.timeoutMs,
      levels: { ...a.jszw.levels },
    },
    alipay: {
      authorizeUrl: resolveAgainstIssuer(issuer, a.alipay.authorizeUrl, '/mock/alipay/oauth2/publicAppAuthorize.htm'),
      gatewayUrl: resolveAgainstIssuer(issuer, a.alipay.gatewayUrl, '/mock/alipay/gateway.do'),
      appId: a.alipay.appId,
      ...(a.alipay.privateKey ? { privateKey: a.alipay.privateKey } : {}),
      ...(a.alipay.publicKey ? { publicKey: a.alipay.publicKey } : {}),
      timeoutMs: a.alipay.timeoutMs,
      certifiedLevel: a.alipay.certifiedLevel,
    },
    face: {
      gatewayUrl: resolveAgainstIssuer(issuer, a.face.gatewayUrl, '/mock/face/gateway.do'),
      appId: a.face.appId,
      ...(a.face.privateKey ? { privateKey: a.face.privateKey } : {}),
      ...(a.face.publicKey ? { publicKey: a.face.publicKey } : {}),
      timeoutMs: a.face.timeoutMs,
    },
  };
  if (config.env === 'production') return settings;

  // Development and tests: fill in what is missing so the in-process mocks and the adapters agree.
  settings.essc.secret ??= randomBytes(24).toString('base64url');
  settings.essc.key ??= randomBytes(16).toString('hex');
  settings.jszw.clientSecret ??= randomBytes(24).toString('base64url');
  const app = settings.alipay.privateKey ?? rsaPair().privateKeyPem;
  settings.alipay.privateKey = app;
  settings.face.privateKey ??= app;
  if (!settings.alipay.publicKey || !settings.face.publicKey) {
    const platform = rsaPair();
    settings.alipay.publicKey ??= platform.publicKeyPem;
    settings.face.publicKey ??= platform.publicKeyPem;
    settings.devMock = { alipayPrivateKeyPem: platform.privateKeyPem };
  }
  return settings;
}

/** The ports of the upstreams whose settings are complete (production checks them at load). */
export function createUpstreamPorts(settings: UpstreamSettings, clock: Clock): UpstreamPorts {
  const ports: UpstreamPorts = {};
  const { essc, jszw, alipay } = settings;
  if (essc.secret && essc.key) {
    ports.essc = createEsscUpstream({ baseUrl: essc.baseUrl, channelNo: essc.channelNo, secret: essc.secret, key: essc.key, timeoutMs: essc.timeoutMs, clock });
  }
  if (jszw.clientSecret) {
    ports.jszw = createJszwUpstream({
      authorizeUrl: jszw.authorizeUrl,
      tokenUrl: jszw.tokenUrl,
      userinfoUrl: jszw.userinfoUrl,
      clientId: jszw.clientId,
      clientSecret: jszw.clientSecret,
      scope: jszw.scope,
      timeoutMs: jszw.timeoutMs,
    });
  }
  if (alipay.privateKey && alipay.publicKey) {
    ports.alipay = createAlipayUpstream({
      appId: alipay.appId,
      privateKeyPem: alipay.privateKey,
      alipayPublicKeyPem: alipay.publicKey,
      gatewayUrl: alipay.gatewayUrl,
      authorizeUrl: alipay.authorizeUrl,
      timeoutMs: alipay.timeoutMs,
      clock,
    });
  }
  return ports;
}
