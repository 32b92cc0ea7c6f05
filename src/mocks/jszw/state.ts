// In-memory state of the mock 江苏政务 OAuth server: pending authorisation requests, browser
// sessions, one-use authorisation codes (5 minutes) and access tokens (1 hour).

import { randomBytes } from 'node:crypto';
import type { Clock } from '../../domain/clock.js';

export const pendingLifetimeMs = 10 * 60 * 1000;
export const codeLifetimeMs = 5 * 60 * 1000;
export const accessTokenLifetimeMs = 60 * 60 * 1000;

export interface PendingRequest {
  clientId: string;
  redirectUri: string;
  state: string;
  codeChallenge: string;
  scope: string;
  expiresAt: number;
}

export interface CodeRecord {
  clientId: string;
  redirectUri: string;
  codeChallenge: string;
  username: string;
  expiresAt: number;
  used: boolean;
  /** Access tokens issued from this code, revoked if the code is replayed. */
  tokens: string[];
}

export interface JszwMockState {
  addPending(request: Omit<PendingRequest, 'expiresAt'>): string;
  /** The pending request, or undefined when unknown or expired. */
  pending(id: string): PendingRequest | undefined;
  dropPending(id: string): void;
  openSession(username: string): string;
  sessionUser(sid: string | undefined): string | undefined;
  issueCode(record: Omit<CodeRecord, 'expiresAt' | 'used' | 'tokens'>): string;
  code(code: string): CodeRecord | undefined;
  issueAccessToken(code: CodeRecord): { token: string; expiresIn: number };
  tokenUser(token: string): string | undefined;
  /** Revokes every access token issued from `code` (called when the code is replayed). */
  revokeTokens(code: CodeRecord): void;
}

const randomId = () => randomBytes(24).toString('base64url');

export function createJszwMockState(clock: Clock): JszwMockState {
  const pending = new Map<string, PendingRequest>();
  const sessions = new Map<string, string>();
  const codes = new Map<string, CodeRecord>();
  const tokens = new Map<string, { username: string; expiresAt: number }>();
  const now = () => clock.now().getTime();

  const sweep = () => {
    const at = now();
    for (const [id, p] of pending) if (p.expiresAt < at) pending.delete(id);
    for (const [id, c] of codes) if (c.expiresAt + codeLifetimeMs < at) codes.delete(id);
    for (const [id, tk] of tokens) if (tk.expiresAt < at) tokens.delete(id);
  };

  return {
    addPending(request) {
      sweep();
      const id = randomId();
      pending.set(id, { ...request, expiresAt: now() + pendingLifetimeMs });
      return id;
    },
    pending(id) {
      const found = pending.get(id);
      return found && found.expiresAt > now() ? found : undefined;
    },
    dropPending: (id) => void pending.delete(id),
    openSession(username) {
      const sid = randomId();
      sessions.set(sid, username);
      return sid;
    },
    sessionUser: (sid) => (sid === undefined ? undefined : sessions.get(sid)),
    issueCode(record) {
      const code = randomId();
      codes.set(code, { ...record, expiresAt: now() + codeLifetimeMs, used: false, tokens: [] });
      return code;
    },
    code: (code) => codes.get(code),
    issueAccessToken(code) {
      const token = randomId();
      tokens.set(token, { username: code.username, expiresAt: now() + accessTokenLifetimeMs });
      code.tokens.push(token);
      return { token, expiresIn: accessTokenLifetimeMs / 1000 };
    },
    tokenUser(token) {
      const found = tokens.get(token);
      return found && found.expiresAt > now() ? found.username : undefined;
    },
    revokeTokens(code) {
      for (const token of code.tokens) tokens.delete(token);
    },
  };
}

