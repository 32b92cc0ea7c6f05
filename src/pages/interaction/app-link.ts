// The link a phone taps instead of scanning its own screen: opens the 江苏智慧人社 app (in
// development the simulator at /dev/app) with the QR's ticket. It carries only the opaque ticket
// (`<id>.<secret>`, the same the QR encodes), never anything about the person.

import { ticketTokenOf } from '../qr-ticket.js';

/**
 * The app link for a QR ticket, or undefined when `linkBase` is empty (QR only) or the ticket is
 * not one. `linkBase` is a path on this server (resolved against `issuer`) or an absolute deep link;
 * its own query is kept and `ticket` is set (replacing any there).
 */
export function appLinkFor(linkBase: string, issuer: string, ticketUrlOrToken: string): string | undefined {
  const ticket = ticketTokenOf(ticketUrlOrToken);
  if (!linkBase || !/^[A-Za-z0-9_-]{16,64}\.[A-Za-z0-9_-]{32,128}$/.test(ticket)) return undefined;
  const base = linkBase.startsWith('/') ? `${issuer.replace(/\/+$/, '')}${linkBase}` : linkBase;
  let url: URL;
  try {
    url = new URL(base);
  } catch {
    return undefined;
  }
  url.searchParams.set('ticket', ticket);
  return url.href;
}
