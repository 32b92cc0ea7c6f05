// The messages a cluster primary and its workers exchange over IPC (only /metrics needs any: every
// other state lives in the database).

export type ClusterMessage =
  /** primary → worker: send your registry's metrics as JSON. */
  | { type: 'jsrs:metrics-collect'; id: number }
  | { type: 'jsrs:metrics-collected'; id: number; metrics: unknown[] }
  /** worker → primary: a scrape of /metrics arrived here; answer with the whole node's text. */
  | { type: 'jsrs:metrics-request'; id: number }
  | { type: 'jsrs:metrics-response'; id: number; text?: string; error?: string };

export function isClusterMessage(value: unknown): value is ClusterMessage {
  if (typeof value !== 'object' || value === null) return false;
  const { type, id } = value as { type?: unknown; id?: unknown };
  return typeof type === 'string' && type.startsWith('jsrs:metrics-') && typeof id === 'number';
}
