// Development wiring of the in-process mock ports: the population registry and the rights records
// over the fixture people, and the SMS outbox. Only the composition root uses it, and never in production.

import { createMockPopulationRegistry } from '../adapters/population-registry/mock.js';
import { createMockRightsRecordSource } from '../adapters/rights-record/mock.js';
import { createDevSmsGateway } from '../adapters/sms/dev.js';
import type { Clock } from '../domain/clock.js';
import type { FallbackPorts } from '../ports.js';
import { loadPopulationRegistry, type RegistryPerson } from './fixtures.js';

/** The mocks that stand in for the ports whose driver is not configured (the fixture read on first use). */
export function developmentPorts(clock: Clock): FallbackPorts {
  let people: RegistryPerson[] | undefined;
  const fixturePeople = () => (people ??= loadPopulationRegistry());
  return {
    registry: () => createMockPopulationRegistry({ people: fixturePeople() }),
    rights: () => createMockRightsRecordSource({ people: fixturePeople(), now: () => clock.now() }),
    sms: () => createDevSmsGateway(),
  };
}
