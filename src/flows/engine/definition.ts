// src/flows/: the journeys' state machines (one folder per journey) and the engine that stores them; imports domain/, errors/, i18n/, repositories/, services/, db/ (types).
// How a journey declares itself: its states, the transitions allowed between them, and its
// lifetime. The engine refuses every other move, so no step can be reached out of order.

export interface FlowDefinition<S extends string> {
  kind: string;
  initial: S;
  /** state → the states it may move to; a state with no entry is final. */
  transitions: Readonly<Record<S, readonly S[]>>;
  ttlSeconds: number;
}

export function defineFlow<S extends string>(definition: FlowDefinition<S>): FlowDefinition<S> {
  for (const [from, targets] of Object.entries(definition.transitions) as Array<[S, readonly S[]]>) {
    for (const to of targets) {
      if (!(to in definition.transitions)) throw new Error(`flow ${definition.kind}: ${from} → ${to} names an undeclared state`);
    }
  }
  return definition;
}
