// Builds the UpstreamError every e-SSC failure becomes; the non-secret reason rides in `cause`.

import { UpstreamError } from '../../../errors/app-error.js';

export function esscFailure(reason: string, cause?: unknown): UpstreamError {
  return new UpstreamError('essc', undefined, {
    cause: new Error(`essc: ${reason}`, cause === undefined ? undefined : { cause }),
  });
}
