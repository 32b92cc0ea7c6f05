// The one pattern of a row id (a UUID, either case): every look-up by id checks it first, so a
// malformed id is "not found" rather than a failed cast; the SQL side uses the same text.

/**
 * The pattern's source, for SQL too. Both cases spelt out: PostgreSQL's case-insensitive `~*` cost
 * the account read-ahead's statement several times its CPU (measured: introspection 0.10 → 0.80 ms).
 */
export const uuidPatternSource = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';

const uuid = new RegExp(uuidPatternSource);

export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && uuid.test(value);
}
