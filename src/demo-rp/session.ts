// The demo's own browser session: a random id in a signed, HttpOnly, SameSite=Lax cookie
// (`demo_rp_session`, never the provider's `_jsrs_*` names) pointing at a bounded in-memory store.

import { randomBytes } from 'node:crypto';
import type { Context } from 'koa';
import type { ItemId } from './items.js';

export const sessionCookieName = 'demo_rp_session';
const sessionTtlMs = 8 * 60 * 60 * 1000;
const pendingTtlMs = 10 * 60 * 1000;
const maxSessions = 10_000;
const maxPending = 5;

/** One authorization request in flight (keyed by its `state`). */
export interface PendingAuthorization {
  itemId: ItemId;
  scopes: readonly string[];
  codeVerifier: string;
  nonce: string;
  createdAt: number;
}

/** What the demo keeps of a sign-in: never the full document number. */
export interface SignedIn {
  sub: string;
  acr: string | undefined;
  scopes: string[];
  claims: {
    name?: string | undefined;
    identityLevel?: string | undefined;
    amr: string[];
    authTime?: number | undefined;
    certType?: string | undefined;
    idNumberMasked?: string | undefined;
  };
}

export interface DemoSession {
  id: string;
  csrf: string;
  expiresAt: number;
  pending: Map<string, PendingAuthorization>;
  login?: SignedIn | undefined;
}

export interface SessionStore {
  /** The request's session, if its cookie names a live one. */
  load(ctx: Context): DemoSession | undefined;
  /** The request's session, created (and its cookie set) when there is none. */
  ensure(ctx: Context): DemoSession;
  /** Replaces the session with a fresh id holding the same data (after sign-in: no fixation). */
  rotate(ctx: Context, session: DemoSession): DemoSession;
  destroy(ctx: Context): void;
}

const newId = (): string => randomBytes(24).toString('base64url');

export function createSessionStore(options: { secure: boolean }): SessionStore {
  const sessions = new Map<string, DemoSession>();

  function setCookie(ctx: Context, value: string | null): void {
    ctx.cookies.set(sessionCookieName, value, {
      signed: true,
      httpOnly: true,
      sameSite: 'lax',
      secure: options.secure,
      path: '/',
      overwrite: true,
      ...(value ? { maxAge: sessionTtlMs } : {}),
    });
  }

  function create(ctx: Context): DemoSession {
    const now = Date.now();
    if (sessions.size >= maxSessions) {
      for (const [id, s] of sessions) if (s.expiresAt <= now) sessions.delete(id);
      if (sessions.size >= maxSessions) sessions.delete(sessions.keys().next().value as string);
    }
    const session: DemoSession = { id: newId(), csrf: newId(), expiresAt: now + sessionTtlMs, pending: new Map() };
    sessions.set(session.id, session);
    setCookie(ctx, session.id);
    return session;
  }

  function load(ctx: Context): DemoSession | undefined {
    const id = ctx.cookies.get(sessionCookieName, { signed: true });
    const session = id ? sessions.get(id) : undefined;
    if (!session) return undefined;
    const now = Date.now();
    if (session.expiresAt <= now) {
      sessions.delete(session.id);
      return undefined;
    }
    for (const [state, p] of session.pending) if (p.createdAt + pendingTtlMs <= now) session.pending.delete(state);
    while (session.pending.size > maxPending) session.pending.delete(session.pending.keys().next().value as string);
    return session;
  }

  return {
    load,
    ensure: (ctx) => load(ctx) ?? create(ctx),
    rotate(ctx, session) {
      sessions.delete(session.id);
      const fresh = create(ctx);
      fresh.pending = session.pending;
      fresh.login = session.login;
      return fresh;
    },
    destroy(ctx) {
      const session = load(ctx);
      if (session) sessions.delete(session.id);
      setCookie(ctx, null);
    },
  };
}
