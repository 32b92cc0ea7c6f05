// The one pattern of a row id (a UUID, either case): every look-up by id checks it first, so a
// malformed id is "not found" rather than a failed cast; the SQL side uses the same text.

/** The pattern's source, for SQL (`~*`: either case, as the JavaScript test). */
export const uuidPatternSource = '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$';

const uuid = new RegExp(uuidPatternSource, 'i');

export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && uuid.test(value);
}
