// Network ranges written as CIDRs (10.20.0.0/16, fd00::/8) or single addresses, as configuration names them. Pure.

import { isIP } from 'node:net';

export interface CidrRange {
  address: string;
  prefix: number;
  family: 'ipv4' | 'ipv6';
}

/** The range a CIDR names, or undefined when it is not one. */
export function parseCidr(cidr: string): CidrRange | undefined {
  const [address = '', prefixText = '', ...rest] = cidr.trim().split('/');
  const version = isIP(address);
  if (rest.length > 0 || version === 0 || !/^\d{1,3}$/.test(prefixText)) return undefined;
  const prefix = Number(prefixText);
  if (prefix > (version === 4 ? 32 : 128)) return undefined;
  return { address, prefix, family: version === 4 ? 'ipv4' : 'ipv6' };
}

/** An IP address or a CIDR (a bare address is a /32 or /128), as TRUSTED_PROXIES lists them. */
export function parseNetwork(text: string): CidrRange | undefined {
  const trimmed = text.trim();
  if (trimmed.includes('/')) return parseCidr(trimmed);
  const version = isIP(trimmed);
  if (version === 0) return undefined;
  return { address: trimmed, prefix: version === 4 ? 32 : 128, family: version === 4 ? 'ipv4' : 'ipv6' };
}
