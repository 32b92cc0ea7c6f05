// 扫码登录: short-lived single-use tickets bound to one login interaction. The browser shows the
// ticket URL as a QR code and polls; the signed-in app scans, then confirms or cancels; the browser
// then consumes the confirmed ticket once. Only the ticket's HMAC is stored (compared in constant time).

import type { Kysely } from 'kysely';
import type { DB, QrTicketState } from '../db/schema.js';
import type { Clock } from '../domain/clock.js';
import {
  consumeConfirmedTicket,
  expireOpenTicketsOf,
  findQrTicket,
  insertQrTicket,
  moveQrTicket,
  type QrTicketRow,
} from '../repositories/qr-tickets.js';
import { generateToken, hashSecret, verifySecret } from './crypto/index.js';

export type QrFailure = 'not_found' | 'expired' | 'used' | 'wrong_account';
export type QrAppResult = { ok: true; state: QrTicketState; clientId: string | null; expiresAt: Date } | { ok: false; reason: QrFailure };

export interface IssuedTicket {
  ticketId: string;
  /** `<id>.<secret>`: what the QR carries (inside `url`); never stored. */
  token: string;
  url: string;
  expiresAt: Date;
}

export interface QrLoginService {
  /** A fresh ticket for the interaction; the interaction's older open tickets expire. */
  issue(interactionUid: string, clientId: string | null): Promise<IssuedTicket>;
  /** The ticket's state as the browser sees it ('expired' once its time is over); undefined if not this interaction's. */
  status(ticketId: string, interactionUid: string): Promise<{ state: QrTicketState; consumed: boolean; expiresAt: Date } | undefined>;
  /** The app opened the ticket: binds it to the app user (a second user gets `used`). */
  scan(token: string, accountId: string): Promise<QrAppResult>;
  /** Only the user who scanned, only once, only before expiry. */
  confirm(token: string, accountId: string): Promise<QrAppResult>;
  cancel(token: string, accountId: string): Promise<QrAppResult>;
  /** The browser takes a confirmed ticket once: returns the account to sign in, or undefined. */
  complete(ticketId: string, interactionUid: string): Promise<string | undefined>;
  /** The path of a ticket URL, e.g. /qr/l/<token>. */
  readonly pathPrefix: string;
}

const tokenPattern = /^([A-Za-z0-9_-]{16,64})\.([A-Za-z0-9_-]{32,128})$/;
/** A ticket confirmed just before its expiry may still be completed by a poll this much later. */
const completionGraceMs = 60_000;

export function createQrLoginService(deps: { db: Kysely<DB>; clock: Clock; key: Buffer; issuer: string; ticketSeconds: number }): QrLoginService {
  const { db, clock, key } = deps;
  const pathPrefix = '/qr/l/';
  const base = `${deps.issuer.replace(/\/+$/, '')}${pathPrefix}`;

  /** The row a token names, when its secret matches. */
  async function lookup(token: string): Promise<QrTicketRow | undefined> {
    const match = typeof token === 'string' ? tokenPattern.exec(token) : null;
    if (!match) return undefined;
    const row = await findQrTicket(db, match[1] as string);
    const secretOk = verifySecret(key, match[2] as string, row?.secretHash ?? '');
    return row && secretOk ? row : undefined;
  }

  const effectiveState = (row: QrTicketRow, now: Date): QrTicketState =>
    (row.state === 'pending' || row.state === 'scanned') && row.expiresAt.getTime() <= now.getTime() ? 'expired' : row.state;

  /** Why a conditional move did not happen. */
  async function failureOf(id: string, accountId: string): Promise<QrFailure> {
    const row = await findQrTicket(db, id);
    if (!row) return 'not_found';
    if (row.expiresAt.getTime() <= clock.now().getTime() || row.state === 'expired') return 'expired';
    if (row.accountId && row.accountId !== accountId) return 'wrong_account';
    return 'used';
  }

  const ok = (row: QrTicketRow): QrAppResult => ({ ok: true, state: row.state, clientId: row.clientId, expiresAt: row.expiresAt });

  async function move(token: string, accountId: string, from: readonly QrTicketState[], to: QrTicketState): Promise<QrAppResult> {
    const row = await lookup(token);
    if (!row) return { ok: false, reason: 'not_found' };
    const moved = await moveQrTicket(db, { id: row.id, from, to, now: clock.now(), requireAccountId: accountId });
    return moved ? ok(moved) : { ok: false, reason: await failureOf(row.id, accountId) };
  }

  return {
    pathPrefix,

    async issue(interactionUid, clientId) {
      const now = clock.now();
      await expireOpenTicketsOf(db, interactionUid, now);
      const ticketId = generateToken(16);
      const secret = generateToken(32);
      const expiresAt = new Date(now.getTime() + deps.ticketSeconds * 1000);
      await insertQrTicket(db, { id: ticketId, secretHash: hashSecret(key, secret), interactionUid, clientId, expiresAt, now });
      const token = `${ticketId}.${secret}`;
      return { ticketId, token, url: `${base}${token}`, expiresAt };
    },

    async status(ticketId, interactionUid) {
      if (!/^[A-Za-z0-9_-]{16,64}$/.test(ticketId)) return undefined;
      const row = await findQrTicket(db, ticketId);
      if (!row || row.interactionUid !== interactionUid) return undefined;
      return { state: effectiveState(row, clock.now()), consumed: row.consumedAt !== null, expiresAt: row.expiresAt };
    },

    async scan(token, accountId) {
      const row = await lookup(token);
      if (!row) return { ok: false, reason: 'not_found' };
      const now = clock.now();
      const moved =
        (await moveQrTicket(db, { id: row.id, from: ['pending'], to: 'scanned', now, setAccountId: accountId })) ??
        (await moveQrTicket(db, { id: row.id, from: ['scanned'], to: 'scanned', now, requireAccountId: accountId }));
      return moved ? ok(moved) : { ok: false, reason: await failureOf(row.id, accountId) };
    },

    confirm: (token, accountId) => move(token, accountId, ['scanned'], 'confirmed'),
    cancel: (token, accountId) => move(token, accountId, ['scanned'], 'cancelled'),

    async complete(ticketId, interactionUid) {
      if (!/^[A-Za-z0-9_-]{16,64}$/.test(ticketId)) return undefined;
      const now = clock.now();
      return consumeConfirmedTicket(db, { id: ticketId, interactionUid, now, notBefore: new Date(now.getTime() - completionGraceMs) });
    },
  };
}
