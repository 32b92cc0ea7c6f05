// The password-hashing worker: plain JavaScript run with `new Worker(source, { eval: true })`, so it
// needs no loader (works the same from tsx source and compiled dist/) and no file beside it.
// It requires bcryptjs from the absolute path the parent resolved and answers one job at a time.

export interface HashRequest {
  readonly id: number;
  readonly op: 'hash';
  readonly password: string;
  readonly cost: number;
}

export interface VerifyRequest {
  readonly id: number;
  readonly op: 'verify';
  readonly password: string;
  readonly hash: string;
}

export type WorkerRequest = HashRequest | VerifyRequest;

export type WorkerResponse =
  | { readonly id: number; readonly ok: true; readonly value: string | boolean }
  | { readonly id: number; readonly ok: false; readonly error: string };

export interface PasswordWorkerData {
  readonly bcryptPath: string;
}

/** Keep in step with the types above; it is not type-checked, so it stays tiny. */
export const passwordWorkerSource = `
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const bcrypt = require(workerData.bcryptPath);
parentPort.on('message', (job) => {
  try {
    let value;
    if (job.op === 'hash') value = bcrypt.hashSync(job.password, bcrypt.genSaltSync(job.cost));
    else if (job.op === 'verify') value = bcrypt.compareSync(job.password, job.hash);
    else throw new Error('unknown operation');
    parentPort.postMessage({ id: job.id, ok: true, value });
  } catch (err) {
    parentPort.postMessage({ id: job.id, ok: false, error: err instanceof Error ? err.message : 'bcrypt failed' });
  }
});
`;
