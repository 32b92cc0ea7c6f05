// In-process mock population registry over the fixture list: an exact match of certificate
// type, number and name is 'match', anything else 'mismatch'. Development and tests only.

import type { PopulationRegistry, RegistryVerdict } from './types.js';

export interface RegistryRecord {
  certType: string;
  idNumber: string;
  name: string;
}

export function createMockPopulationRegistry(deps: { people: readonly RegistryRecord[] }): PopulationRegistry {
  const keyOf = (certType: string, idNumber: string, name: string) => JSON.stringify([certType, idNumber, name]);
  const known = new Set(deps.people.map((p) => keyOf(p.certType, p.idNumber, p.name)));
  return {
    verify: async (certType, number, name): Promise<RegistryVerdict> =>
      known.has(keyOf(certType, number, name)) ? 'match' : 'mismatch',
  };
}
