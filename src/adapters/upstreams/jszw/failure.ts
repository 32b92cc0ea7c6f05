// Builds the UpstreamError every 江苏政务 failure becomes; the non-secret reason rides in `cause`.

import { UpstreamError } from '../../../errors/app-error.js';

export function jszwFailure(reason: string, cause?: unknown): UpstreamError {
  return new UpstreamError('jszw', undefined, {
    cause: new Error(`jszw: ${reason}`, cause === undefined ? undefined : { cause }),
  });
}
