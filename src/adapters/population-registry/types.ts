// Port to the population registry (人口基础信息库): does this certificate type, number and name
// belong to one real person? Chosen by config: the HTTP gateway adapter or the fixture-backed mock.

export const registryVerdicts = ['match', 'mismatch', 'unavailable'] as const;
export type RegistryVerdict = (typeof registryVerdicts)[number];

export interface PopulationRegistry {
  /** Never throws: any failure to get a clear answer is `'unavailable'`. */
  verify(certType: string, number: string, name: string): Promise<RegistryVerdict>;
}
