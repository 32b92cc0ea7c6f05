// Who the client is, behind the load balancers named by TRUSTED_PROXIES: a hop count (the client is
// the Nth address from the right of X-Forwarded-For) or the balancers' networks (walk the list from
// the right past trusted addresses, only when the socket peer is trusted itself). Nothing trusted:
// the socket address. The first middleware applies it to the raw request, so our Koa app and the
// mounted oidc-provider read the same client address, protocol and host.

import { BlockList, isIP } from 'node:net';
import type { Middleware } from 'koa';
import { parseNetwork } from '../domain/networks.js';

export type TrustedProxies =
  | { kind: 'none' }
  | { kind: 'hops'; hops: number }
  | { kind: 'networks'; networks: BlockList };

export interface ClientAddress {
  /** The client's address: what per-IP limits count and the audit trail records. */
  ip: string;
  /** The socket peer is a trusted proxy, so its X-Forwarded-Proto and X-Forwarded-Host count. */
  viaProxy: boolean;
}

/** The setting as configuration holds it: a hop count, or a list of addresses and CIDRs. Throws on a bad entry (the schema refuses them first). */
export function trustedProxiesOf(setting: number | readonly string[]): TrustedProxies {
  if (typeof setting === 'number') return setting > 0 ? { kind: 'hops', hops: setting } : { kind: 'none' };
  if (setting.length === 0) return { kind: 'none' };
  const networks = new BlockList();
  for (const entry of setting) {
    const range = parseNetwork(entry);
    if (!range) throw new Error(`TRUSTED_PROXIES: not an address or CIDR: ${entry}`);
    networks.addSubnet(range.address, range.prefix, range.family);
  }
  return { kind: 'networks', networks };
}

/** Whether Koa (ours and the provider's) should read X-Forwarded-*: only what the middleware left there. */
export function readsForwardedHeaders(trust: TrustedProxies): boolean {
  return trust.kind !== 'none';
}

/** An address in canonical text (IPv4-mapped IPv6 as IPv4, an IPv4 `:port` dropped), or undefined when it is not one. */
export function normaliseAddress(raw: string): string | undefined {
  let text = raw.trim();
  if (/^\d+\.\d+\.\d+\.\d+:\d+$/.test(text)) text = text.slice(0, text.lastIndexOf(':'));
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(text);
  if (bracketed) text = bracketed[1] as string;
  if (/^::ffff:\d+\.\d+\.\d+\.\d+$/i.test(text)) text = text.slice(7);
  const version = isIP(text);
  if (version === 4) return text;
  if (version === 6) return text.toLowerCase();
  return undefined;
}

const familyOf = (address: string) => (isIP(address) === 6 ? 'ipv6' : 'ipv4');

/**
 * The client address of a request that arrived from `socketAddress` with `forwardedFor` (the
 * X-Forwarded-For header, all values joined). Never an address the client could choose, unless a
 * trusted proxy vouched for it.
 */
export function clientAddressOf(socketAddress: string, forwardedFor: string | undefined, trust: TrustedProxies): ClientAddress {
  const peer = normaliseAddress(socketAddress) ?? socketAddress;
  if (trust.kind === 'none') return { ip: peer, viaProxy: false };
  const chain = (forwardedFor ?? '').split(',').map((s) => s.trim()).filter(Boolean);

  if (trust.kind === 'hops') {
    // Each of the N proxies appended the address it saw: the Nth from the right is the client as
    // the outermost proxy saw it. A shorter list did not pass every proxy: its leftmost entry.
    if (chain.length === 0) return { ip: peer, viaProxy: true };
    const entry = chain[Math.max(0, chain.length - trust.hops)] as string;
    return { ip: normaliseAddress(entry) ?? peer, viaProxy: true };
  }

  if (!trust.networks.check(peer, familyOf(peer))) return { ip: peer, viaProxy: false };
  // From the right: skip addresses inside the trusted networks; the first one outside is the client.
  // An entry that is not an address stops the walk at the trusted hop that forwarded it.
  let client = peer;
  for (let i = chain.length - 1; i >= 0; i -= 1) {
    const address = normaliseAddress(chain[i] as string);
    if (address === undefined) break;
    client = address;
    if (!trust.networks.check(address, familyOf(address))) break;
  }
  return { ip: client, viaProxy: true };
}

/**
 * First middleware: computes the client address once and rewrites the forwarded headers of the raw
 * request accordingly (X-Forwarded-For becomes the client address alone; from an untrusted peer
 * every X-Forwarded-* header is dropped), so every Koa context built from it, the provider's
 * included, agrees. `ctx.ip` (and through it ctx.state.ip) is the client address.
 */
export function clientAddress(trust: TrustedProxies): Middleware {
  return (ctx, next) => {
    const headers = ctx.req.headers;
    const raw = headers['x-forwarded-for'];
    const { ip, viaProxy } = clientAddressOf(ctx.req.socket.remoteAddress ?? '', Array.isArray(raw) ? raw.join(',') : raw, trust);
    if (viaProxy) {
      headers['x-forwarded-for'] = ip;
    } else {
      delete headers['x-forwarded-for'];
      delete headers['x-forwarded-proto'];
      delete headers['x-forwarded-host'];
    }
    ctx.request.ip = ip;
    return next();
  };
}
