// Turns the configured ENCRYPTION_KEY (and previous keys) into the keyring and the services built
// on it. In development without a key, one is generated once and kept beside the data, loudly.

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Config } from '../config/schema.js';
import type { Logger } from '../log/logger.js';
import { createBlindIndex, createKeyring, createPiiCipher, type BlindIndex, type Keyring, type MasterKeyVersion, type PiiCipher } from './crypto/index.js';

export interface Secrets {
  keyring: Keyring;
  cipher: PiiCipher;
  blindIndex: BlindIndex;
}

/** `id:key` or a bare key (id `k1`). */
export function parseKeySpec(spec: string, defaultId = 'k1'): MasterKeyVersion {
  const match = /^([A-Za-z0-9_-]{1,32}):(.+)$/.exec(spec);
  return match ? { id: match[1] as string, key: match[2] as string } : { id: defaultId, key: spec };
}

function developmentKey(config: Readonly<Config>, logger: Logger): string {
  if (config.dataDir.startsWith('memory://')) return randomBytes(32).toString('base64url');
  const dir = resolve(config.dataDir);
  const file = join(dir, 'encryption.key');
  if (!existsSync(file)) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(file, `${randomBytes(32).toString('base64url')}\n`, { mode: 0o600 });
    logger.warn({ file }, 'ENCRYPTION_KEY is not set: generated a development key beside the data. Never do this in production.');
  } else {
    logger.warn({ file }, 'ENCRYPTION_KEY is not set: using the development key kept beside the data');
  }
  return readFileSync(file, 'utf8').trim();
}

export function createSecrets(config: Readonly<Config>, logger: Logger): Secrets {
  const current = parseKeySpec(config.secrets.encryptionKey ?? developmentKey(config, logger));
  const previous = config.secrets.previousEncryptionKeys.map((spec, i) => parseKeySpec(spec, `old${i + 1}`));
  const keyring = createKeyring({ current, previous });
  // Blind indexes must not change when ENCRYPTION_KEY rotates (look-ups and unique constraints
  // depend on them): they use the oldest key in the ring, so keep that one in ENCRYPTION_KEYS_PREVIOUS.
  const oldest = keyring.get(keyring.ids[keyring.ids.length - 1] as string) ?? keyring.current;
  return {
    keyring,
    cipher: createPiiCipher({ keyring, algorithm: config.security.piiAlgorithm }),
    blindIndex: createBlindIndex(oldest.keys.blindIndex),
  };
}
