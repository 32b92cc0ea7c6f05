// A pg Client that runs every parameterised statement as a named prepared statement, so
// PostgreSQL parses and plans each of our (fixed) SQL texts once per connection, not per call.
// Statements reading `*` stay unnamed: a column added by a later migration must not break them.

import { createHash } from 'node:crypto';
import pg from 'pg';

const names = new Map<string, string>();
/** Distinct SQL texts remembered; beyond it statements still run, only unnamed. */
const maxNames = 2000;

function statementName(text: string): string | undefined {
  const known = names.get(text);
  if (known) return known;
  if (names.size >= maxNames) return undefined;
  const name = `jsrs_${createHash('sha256').update(text).digest('base64url').slice(0, 24)}`;
  names.set(text, name);
  return name;
}

export class PreparingClient extends pg.Client {
  // pg's query() has many overloads; only the (text, values) form Kysely uses is rewritten.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  override query(config: any, values?: any, callback?: any): any {
    if (typeof config === 'string' && Array.isArray(values) && values.length > 0 && !config.includes('*')) {
      const name = statementName(config);
      if (name) return super.query({ name, text: config, values }, callback);
    }
    return super.query(config, values, callback);
  }
}
