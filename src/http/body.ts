// Bounded request body readers (form and JSON) for our own routes: no global body parser runs in
// front of oidc-provider. Too large → 413, malformed → 400, never a hang or a crash.

import type { Context } from 'koa';
import { AppError } from '../errors/app-error.js';

const defaultMaxBytes = 64 * 1024;

export async function readRawBody(ctx: Context, maxBytes = defaultMaxBytes): Promise<string> {
  const declared = Number(ctx.get('content-length') || 0);
  if (declared > maxBytes) throw new AppError('errors.body_too_large', 413);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) throw new AppError('errors.body_too_large', 413);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Parses an application/x-www-form-urlencoded body into a flat record (first value wins). */
export async function readForm(ctx: Context, maxBytes?: number): Promise<Record<string, string>> {
  const raw = await readRawBody(ctx, maxBytes);
  const out: Record<string, string> = {};
  for (const [key, value] of new URLSearchParams(raw)) {
    if (!Object.hasOwn(out, key)) out[key] = value;
  }
  return out;
}

/** Parses a JSON object body; anything that is not a JSON object is a 400. */
export async function readJsonObject(ctx: Context, maxBytes?: number): Promise<Record<string, unknown>> {
  const raw = await readRawBody(ctx, maxBytes);
  try {
    const value: unknown = JSON.parse(raw);
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // fall through to the 400 below
  }
  throw new AppError('errors.bad_json', 400);
}

/** A password field of a parsed body: not trimmed (every character counts), bounded to 128; anything else is ''. */
export function passwordField(body: Record<string, unknown>, name: string): string {
  const value = body[name];
  return typeof value === 'string' ? value.slice(0, 128) : '';
}

/** A string field of a parsed body, trimmed and bounded; anything else is ''. */
export function field(body: Record<string, unknown>, name: string, maxLength = 200): string {
  const value = body[name];
  return typeof value === 'string' ? value.trim().slice(0, maxLength) : '';
}
