// Tells a database that cannot be reached (refused, reset, timed out, shutting down) from a
// mistake in a query, so callers answer 503 / temporarily_unavailable instead of 500.

const connectionErrorCodes = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', '57P01', '57P02', '57P03', '08006', '08001', '08003', '08004']);

export function isDatabaseUnavailable(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 5; depth += 1) {
    const { code, message } = e as { code?: unknown; message?: unknown };
    if (typeof code === 'string' && connectionErrorCodes.has(code)) return true;
    if (typeof message === 'string' && /timeout exceeded when trying to connect|Connection terminated|database ping timed out|connect ECONNREFUSED|the database system is (shutting down|starting up)|Client has encountered a connection error/i.test(message)) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}
