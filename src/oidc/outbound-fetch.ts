// Calls the provider makes to relying parties (back-channel logout, a client's jwks_uri).
// oidc-provider refuses every special-use address, private networks included; the platform's
// 人社 services often sit on an internal network, so the networks in OUTBOUND_ALLOWED_NETWORKS are
// reachable and every other special-use address (loopback, link-local, private …) stays refused.

import { BlockList, isIP } from 'node:net';
import { parseCidr, type CidrRange } from '../domain/networks.js';

export { parseCidr };

/** Special-use ranges (RFC 6890 and successors) refused unless allowed. */
const specialUse: ReadonlyArray<[string, number, 'ipv4' | 'ipv6']> = [
  ['0.0.0.0', 8, 'ipv4'], ['10.0.0.0', 8, 'ipv4'], ['100.64.0.0', 10, 'ipv4'], ['127.0.0.0', 8, 'ipv4'],
  ['169.254.0.0', 16, 'ipv4'], ['172.16.0.0', 12, 'ipv4'], ['192.0.0.0', 24, 'ipv4'], ['192.0.2.0', 24, 'ipv4'],
  ['192.88.99.0', 24, 'ipv4'], ['192.168.0.0', 16, 'ipv4'], ['198.18.0.0', 15, 'ipv4'], ['198.51.100.0', 24, 'ipv4'],
  ['203.0.113.0', 24, 'ipv4'], ['224.0.0.0', 4, 'ipv4'], ['240.0.0.0', 4, 'ipv4'],
  ['::', 128, 'ipv6'], ['::1', 128, 'ipv6'], ['64:ff9b::', 96, 'ipv6'], ['64:ff9b:1::', 48, 'ipv6'], ['100::', 64, 'ipv6'],
  ['2001::', 23, 'ipv6'], ['2001:db8::', 32, 'ipv6'], ['2002::', 16, 'ipv6'], ['fc00::', 7, 'ipv6'], ['fe80::', 10, 'ipv6'],
];

type Family = CidrRange['family'];

function blockListOf(ranges: readonly CidrRange[]): BlockList {
  const list = new BlockList();
  for (const { address, prefix, family } of ranges) list.addSubnet(address, prefix, family);
  return list;
}

const specialUseList = blockListOf(specialUse.map(([address, prefix, family]) => ({ address, prefix, family })));

/** Whether a connection to `address` is allowed: public, or inside an allowed network. */
export function outboundAddressAllowed(address: string, allowed: BlockList): boolean {
  // An IPv4-mapped IPv6 address is judged as the IPv4 address it maps.
  const plain = /^::ffff:\d+\.\d+\.\d+\.\d+$/i.test(address) ? address.slice(7) : address;
  const family: Family = isIP(plain) === 6 ? 'ipv6' : 'ipv4';
  if (allowed.check(plain, family)) return true;
  return !specialUseList.check(plain, family);
}

type Fetch = (url: string | URL, options: RequestInit & { dispatcher?: unknown }) => Promise<Response>;

/**
 * The provider's `fetch` when networks are allowed (undefined: keep oidc-provider's own, which
 * refuses every special-use address). The decision is made on the connected socket's address, so
 * a hostname that resolves differently later cannot slip past it.
 */
export function outboundFetch(allowedNetworks: readonly string[]): Fetch | undefined {
  return allowedNetworks.length === 0 ? undefined : guardedFetch(allowedNetworks);
}

/** A fetch that refuses special-use addresses outside `allowedNetworks` (always; none allowed when empty). */
export function guardedFetch(allowedNetworks: readonly string[]): Fetch {
  const allowed = blockListOf(allowedNetworks.map((cidr) => {
    const parsed = parseCidr(cidr);
    if (!parsed) throw new Error(`OUTBOUND_ALLOWED_NETWORKS: not a CIDR: ${cidr}`);
    return parsed;
  }));
  // Node's fetch is undici; its global dispatcher's class is the Agent (as oidc-provider finds it).
  // Reading a fetch global loads Node's lazily loaded undici, which installs that dispatcher.
  void globalThis.Response;
  const globals = globalThis as unknown as Record<symbol, { constructor: new () => AgentLike } | undefined>;
  const Agent = (globals[Symbol.for('undici.globalDispatcher.2')] ?? globals[Symbol.for('undici.globalDispatcher.1')])?.constructor;
  if (!Agent) throw new Error('OUTBOUND_ALLOWED_NETWORKS needs Node.js fetch (undici)');
  const dispatcher = new Agent();
  dispatcher.on('connect', (_origin: unknown, targets: object[]) => {
    const client = targets[targets.length - 1] as Record<symbol, { remoteAddress?: string; destroy(err: Error): void } | undefined> | undefined;
    const key = client ? Object.getOwnPropertySymbols(client).find((s) => s.description === 'socket') : undefined;
    const socket = client && key ? client[key] : undefined;
    // Fail closed: a connection whose address cannot be read is not used either.
    if (!socket?.remoteAddress || !outboundAddressAllowed(socket.remoteAddress, allowed)) {
      (socket ?? (client as { destroy?: (err: Error) => void } | undefined))?.destroy?.(new Error('outbound call to a special-use address outside OUTBOUND_ALLOWED_NETWORKS'));
    }
  });
  return (url, options) => globalThis.fetch(url, { ...options, dispatcher } as unknown as RequestInit);
}

interface AgentLike {
  on(event: 'connect', listener: (origin: unknown, targets: object[]) => void): unknown;
}
