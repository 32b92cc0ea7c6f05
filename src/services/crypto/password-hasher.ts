// Password hashing with bcrypt (bcryptjs) in a pool of worker threads, so hashing never blocks the
// event loop and logins on several cores run side by side. One FIFO queue feeds whichever worker
// is idle; a crashed worker fails only its own job and is replaced on the next job.

import { createHash, randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { ValidationError } from '../../errors/app-error.js';
import { CryptoConfigError, PasswordHasherError } from './errors.js';
import {
  passwordWorkerSource,
  type PasswordWorkerData,
  type WorkerRequest,
  type WorkerResponse,
} from './password-worker-source.js';

/** bcrypt reads only the first 72 bytes; longer inputs are refused rather than silently cut. */
export const MAX_PASSWORD_BYTES = 72;
const BCRYPT_HASH = /^\$2[aby]\$(\d{2})\$[./A-Za-z0-9]{53}$/;

export interface PasswordHasher {
  /** bcrypt hash at the configured cost. Throws ValidationError('errors.bad_request', 'password') over 72 UTF-8 bytes; PasswordHasherError if the pool fails or is closed. */
  hash(password: string): Promise<string>;
  /** True when `password` matches `hash`. A password over 72 bytes gives false (after a dummy verify). Throws PasswordHasherError for a malformed hash or pool failure. */
  verify(password: string, hash: string): Promise<boolean>;
  /** Spends the time of one verify at the configured cost and resolves false: for unknown accounts. */
  verifyAgainstDummy(password: string): Promise<false>;
  /** True when `hash` was made at another cost than the configured one (rehash after a successful login). */
  needsRehash(hash: string): boolean;
  /** Pool state, for metrics and tests; `verifications` counts every bcrypt verify started (dummy ones too). */
  stats(): { workers: number; busy: number; queued: number; verifications: number };
  /** Rejects queued and running jobs and terminates every worker. Idempotent. */
  close(): Promise<void>;
}

export interface PasswordHasherOptions {
  /** bcrypt cost (log2 rounds), 4–31; default 10. */
  cost?: number;
  /** Most workers at once; default os.availableParallelism(). Workers start on demand. */
  poolSize?: number;
  /** Called with each new worker (metrics, tests). */
  onWorkerStart?: (worker: Worker) => void;
}

type Request = WorkerRequest extends infer R ? (R extends WorkerRequest ? Omit<R, 'id'> : never) : never;

interface Job {
  readonly request: Request;
  resolve(value: string | boolean): void;
  reject(error: Error): void;
}

interface Slot {
  readonly worker: Worker;
  job: (Job & { id: number }) | undefined;
  lastError: Error | undefined;
}

function isResponse(value: unknown): value is WorkerResponse {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.id === 'number' && typeof v.ok === 'boolean';
}

function tooLong(password: string): boolean {
  return Buffer.byteLength(password, 'utf8') > MAX_PASSWORD_BYTES;
}

/**
 * Creates the hashing pool. Throws CryptoConfigError for a cost outside 4–31 or a pool size below 1.
 * Call close() at shutdown (and in tests); idle workers are unref'd and do not hold the process open.
 */
export function createPasswordHasher(options: PasswordHasherOptions = {}): PasswordHasher {
  const cost = options.cost ?? 10;
  const poolSize = options.poolSize ?? availableParallelism();
  if (!Number.isInteger(cost) || cost < 4 || cost > 31) throw new CryptoConfigError('bcrypt cost must be an integer from 4 to 31');
  if (!Number.isInteger(poolSize) || poolSize < 1) throw new CryptoConfigError('password hasher pool size must be a positive integer');

  const workerData: PasswordWorkerData = { bcryptPath: createRequire(import.meta.url).resolve('bcryptjs') };
  const slots = new Set<Slot>();
  const queue: Job[] = [];
  let nextId = 1;
  let closed = false;
  let dummyHash: Promise<string> | undefined;
  let verifications = 0;

  function startWorker(): Slot {
    // execArgv [] keeps loaders such as tsx out of the worker: its source is plain JavaScript.
    const worker = new Worker(passwordWorkerSource, { eval: true, workerData, execArgv: [] });
    const slot: Slot = { worker, job: undefined, lastError: undefined };
    worker.unref();
    worker.on('message', (message: unknown) => {
      const job = slot.job;
      if (!job || !isResponse(message) || message.id !== job.id) return;
      slot.job = undefined;
      worker.unref();
      if (message.ok) job.resolve(message.value);
      else job.reject(new PasswordHasherError(`bcrypt failed: ${message.error}`));
      dispatch();
    });
    worker.on('error', (err: Error) => {
      slot.lastError = err;
    });
    worker.on('exit', (code) => {
      slots.delete(slot);
      const job = slot.job;
      slot.job = undefined;
      if (job) {
        const why = closed ? 'password hasher was closed' : `password worker exited (code ${code}) during a job`;
        job.reject(new PasswordHasherError(why, { cause: slot.lastError }));
      }
      if (!closed) dispatch();
    });
    slots.add(slot);
    options.onWorkerStart?.(worker);
    return slot;
  }

  function dispatch(): void {
    while (!closed && queue.length > 0) {
      let idle: Slot | undefined;
      for (const slot of slots) {
        if (!slot.job) {
          idle = slot;
          break;
        }
      }
      if (!idle) {
        if (slots.size >= poolSize) return;
        idle = startWorker();
      }
      const job = queue.shift();
      if (!job) return;
      const id = nextId++;
      idle.job = { ...job, id };
      idle.worker.ref();
      idle.worker.postMessage({ ...job.request, id } satisfies WorkerRequest);
    }
  }

  function run(request: Request): Promise<string | boolean> {
    if (closed) return Promise.reject(new PasswordHasherError('password hasher is closed'));
    if (request.op === 'verify') verifications += 1;
    return new Promise((resolve, reject) => {
      queue.push({ request, resolve, reject });
      dispatch();
    });
  }

  async function hash(password: string): Promise<string> {
    if (typeof password !== 'string') throw new ValidationError('errors.bad_request', 'password');
    if (tooLong(password)) throw new ValidationError('errors.bad_request', 'password', { maxBytes: MAX_PASSWORD_BYTES });
    const value = await run({ op: 'hash', password, cost });
    if (typeof value !== 'string') throw new PasswordHasherError('password worker returned no hash');
    return value;
  }

  function getDummyHash(): Promise<string> {
    if (!dummyHash) {
      // A random password nobody knows, hashed once at the configured cost.
      dummyHash = hash(randomBytes(16).toString('base64url'));
      dummyHash.catch(() => {
        dummyHash = undefined;
      });
    }
    return dummyHash;
  }

  async function verifyAgainstDummy(password: string): Promise<false> {
    const input = typeof password === 'string' && !tooLong(password) ? password : createHash('sha256').update(String(password)).digest('base64');
    await run({ op: 'verify', password: input, hash: await getDummyHash() });
    return false;
  }

  async function verify(password: string, storedHash: string): Promise<boolean> {
    if (typeof storedHash !== 'string' || !BCRYPT_HASH.test(storedHash)) {
      throw new PasswordHasherError('stored password hash is not a bcrypt hash');
    }
    if (typeof password !== 'string' || tooLong(password)) return verifyAgainstDummy('');
    return (await run({ op: 'verify', password, hash: storedHash })) === true;
  }

  return Object.freeze({
    hash,
    verify,
    verifyAgainstDummy,
    needsRehash(storedHash: string): boolean {
      const match = typeof storedHash === 'string' ? BCRYPT_HASH.exec(storedHash) : null;
      return !match || Number(match[1]) !== cost;
    },
    stats() {
      let busy = 0;
      for (const slot of slots) if (slot.job) busy += 1;
      return { workers: slots.size, busy, queued: queue.length, verifications };
    },
    async close(): Promise<void> {
      closed = true;
      for (const job of queue.splice(0)) job.reject(new PasswordHasherError('password hasher was closed'));
      await Promise.all([...slots].map((slot) => slot.worker.terminate()));
    },
  });
}
