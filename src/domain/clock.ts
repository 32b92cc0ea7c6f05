// Time comes from an injected Clock so tests can move it instead of sleeping.

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** A clock tests can set and advance; starts at `start` (default: the real now). */
export interface ControllableClock extends Clock {
  set(date: Date): void;
  advance(ms: number): void;
}

export function createControllableClock(start: Date = new Date()): ControllableClock {
  let current = start.getTime();
  return {
    now: () => new Date(current),
    set: (date) => {
      current = date.getTime();
    },
    advance: (ms) => {
      current += ms;
    },
  };
}
