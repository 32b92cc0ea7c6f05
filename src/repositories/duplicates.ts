// The one place that reads PostgreSQL's unique-violation code (SQLSTATE 23505): a write that hits a
// unique index throws DuplicateError (naming the index), so services never look at database codes.

/** A write hit a unique index: another row already holds the value (often a parallel request won). */
export class DuplicateError extends Error {
  /** The violated constraint, or '' when the driver did not name it. */
  readonly constraint: string;
  constructor(constraint: string, options?: { cause?: unknown }) {
    super(`duplicate value (${constraint || 'unique index'})`, options);
    this.name = 'DuplicateError';
    this.constraint = constraint;
  }
}

function asDuplicate(err: unknown): DuplicateError | undefined {
  if (err instanceof DuplicateError) return err;
  if (typeof err !== 'object' || err === null) return undefined;
  const { code, constraint } = err as { code?: unknown; constraint?: unknown };
  return code === '23505' ? new DuplicateError(typeof constraint === 'string' ? constraint : '', { cause: err }) : undefined;
}

/** Runs `write` (a statement or a whole transaction); a unique violation it raises is rethrown as DuplicateError. */
export async function orDuplicate<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (err) {
    throw asDuplicate(err) ?? err;
  }
}
