// src/domain/: pure rules and vocabularies (documents, names, phones, passwords, levels, audit events, sign-in methods, clock); imports errors/ only, never I/O.
// Identity levels (how well an account's identity is proven), the acr values a sign-in asserts,
// and the amr values naming how it signed in. The level is derived from the proofs of the account's
// current identity, never set by hand.

/** Ordered lowest to highest. */
export const identityLevels = ['registered', 'real_name', 'real_person'] as const;
export type IdentityLevel = (typeof identityLevels)[number];

/** i18n keys of the level labels (注册用户 / 实名用户 / 实人用户). */
export const identityLevelLabelKeys = {
  registered: 'levels.registered',
  real_name: 'levels.real_name',
  real_person: 'levels.real_person',
} as const satisfies Record<IdentityLevel, string>;

/** Ordered lowest to highest; `…:face` is a real-person account that passed a face check in this sign-in. */
export const acrValues = [
  'urn:jsrs:level:registered',
  'urn:jsrs:level:real_name',
  'urn:jsrs:level:real_person',
  'urn:jsrs:level:real_person:face',
] as const;
export type Acr = (typeof acrValues)[number];

/** The amr values live with the sign-in methods they name. */
export { amrValues, type Amr } from './sign-in-methods.js';

export type ProofKind = 'registry_match' | 'face_match' | 'upstream_assertion';
export interface LevelProof {
  kind: ProofKind;
  /** The level an upstream asserted (only read for `upstream_assertion`). */
  level?: IdentityLevel | undefined;
  /** The identity (keyed digest of certificate type, document number and name) the proof proved. */
  identityKey: string | null;
}

export function isIdentityLevel(value: unknown): value is IdentityLevel {
  return typeof value === 'string' && (identityLevels as readonly string[]).includes(value);
}

export function isKnownAcr(value: unknown): value is Acr {
  return typeof value === 'string' && (acrValues as readonly string[]).includes(value);
}

/** 0 for registered, 1 for real_name, 2 for real_person. */
export function levelRank(level: IdentityLevel): number {
  return identityLevels.indexOf(level);
}

/** The highest of `levels`; `registered` when there are none. */
export function maxLevel(levels: Iterable<IdentityLevel>): IdentityLevel {
  let best: IdentityLevel = 'registered';
  for (const level of levels) if (levelRank(level) > levelRank(best)) best = level;
  return best;
}

/** The acr a sign-in asserts: the account's level, or the face value when a real-person account passed a face check now. */
export function acrFor(level: IdentityLevel, options: { faceThisSignIn: boolean }): Acr {
  if (level === 'real_person' && options.faceThisSignIn) return 'urn:jsrs:level:real_person:face';
  return `urn:jsrs:level:${level}`;
}

export function acrRank(acr: Acr): number {
  return acrValues.indexOf(acr);
}

/** The account level an acr needs (the face value needs real_person). */
export function levelRequiredBy(acr: Acr): IdentityLevel {
  return acrLevels[acr];
}

const acrLevels: Record<Acr, IdentityLevel> = {
  'urn:jsrs:level:registered': 'registered',
  'urn:jsrs:level:real_name': 'real_name',
  'urn:jsrs:level:real_person': 'real_person',
  'urn:jsrs:level:real_person:face': 'real_person',
};

/** Whether an acr can only be met by a face check during the sign-in itself. */
export function acrNeedsFaceThisSignIn(acr: Acr): boolean {
  return acr === 'urn:jsrs:level:real_person:face';
}

/**
 * The lowest known acr among requested values (requested values are minimums, so the lowest one
 * is what must be met); unknown values are ignored; undefined when none is known.
 */
export function lowestRequestedAcr(values: readonly string[]): Acr | undefined {
  let lowest: Acr | undefined;
  for (const value of values) {
    if (isKnownAcr(value) && (lowest === undefined || acrRank(value) < acrRank(lowest))) lowest = value;
  }
  return lowest;
}

/** Whether an asserted acr meets a required minimum. */
export function acrSatisfies(asserted: Acr, required: Acr): boolean {
  return acrRank(asserted) >= acrRank(required);
}

/**
 * The level the proofs of `identityKey` establish (proofs of any other identity, or of none, count
 * for nothing, so no path can carry a proof from one person to another): a registry match proves
 * real_name; a face match raises it to real_person only together with a real-name proof of the
 * same identity (a face alone proves nothing about the name); an upstream assertion proves the
 * level it asserts. The highest wins; no proofs: registered.
 */
export function levelFromProofs(proofs: readonly LevelProof[], identityKey: string): IdentityLevel {
  const own = proofs.filter((p) => p.identityKey !== null && p.identityKey === identityKey);
  const named = own.map((p): IdentityLevel => {
    if (p.kind === 'registry_match') return 'real_name';
    if (p.kind === 'upstream_assertion' && isIdentityLevel(p.level)) return p.level;
    return 'registered';
  });
  const base = maxLevel(named);
  const face = own.some((p) => p.kind === 'face_match');
  return face && levelRank(base) >= levelRank('real_name') ? 'real_person' : base;
}
