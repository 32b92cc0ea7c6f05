// Identity levels, acr ordering and derivation of the level from proofs.

import t from 'tap';
import {
  acrFor,
  acrNeedsFaceThisSignIn,
  acrRank,
  acrSatisfies,
  acrValues,
  amrValues,
  identityLevels,
  isIdentityLevel,
  isKnownAcr,
  levelFromProofs,
  levelRank,
  levelRequiredBy,
  lowestRequestedAcr,
  maxLevel,
  type LevelProof,
} from '../../../src/domain/levels.js';

t.test('order of levels and acr values', async (t) => {
  t.same([...identityLevels], ['registered', 'real_name', 'real_person']);
  t.same(identityLevels.map(levelRank), [0, 1, 2]);
  t.same([...acrValues], [
    'urn:jsrs:level:registered',
    'urn:jsrs:level:real_name',
    'urn:jsrs:level:real_person',
    'urn:jsrs:level:real_person:face',
  ]);
  t.same(acrValues.map(acrRank), [0, 1, 2, 3]);
  t.same([...amrValues], ['pwd', 'sms', 'qr', 'face', 'fed', 'essc', 'jszw', 'alipay']);
  t.ok(isIdentityLevel('real_name'));
  t.notOk(isIdentityLevel('REAL_NAME'));
});

t.test('maxLevel', async (t) => {
  t.equal(maxLevel([]), 'registered');
  t.equal(maxLevel(['real_name', 'registered']), 'real_name');
  t.equal(maxLevel(['registered', 'real_person', 'real_name']), 'real_person');
});

t.test('acrFor asserts face only for a real-person account with a face check now', async (t) => {
  t.equal(acrFor('registered', { faceThisSignIn: false }), 'urn:jsrs:level:registered');
  t.equal(acrFor('registered', { faceThisSignIn: true }), 'urn:jsrs:level:registered');
  t.equal(acrFor('real_name', { faceThisSignIn: true }), 'urn:jsrs:level:real_name');
  t.equal(acrFor('real_person', { faceThisSignIn: false }), 'urn:jsrs:level:real_person');
  t.equal(acrFor('real_person', { faceThisSignIn: true }), 'urn:jsrs:level:real_person:face');
});

t.test('requested acr values', async (t) => {
  t.ok(isKnownAcr('urn:jsrs:level:real_name'));
  t.notOk(isKnownAcr('urn:jsrs:level:gold'));
  t.notOk(isKnownAcr(undefined));
  t.equal(lowestRequestedAcr([]), undefined);
  t.equal(lowestRequestedAcr(['urn:other', '']), undefined);
  t.equal(
    lowestRequestedAcr(['urn:jsrs:level:real_person:face', 'urn:other', 'urn:jsrs:level:real_name']),
    'urn:jsrs:level:real_name',
  );
  t.equal(lowestRequestedAcr(['urn:jsrs:level:real_person:face']), 'urn:jsrs:level:real_person:face');
  for (const asserted of acrValues) {
    for (const required of acrValues) {
      t.equal(acrSatisfies(asserted, required), acrRank(asserted) >= acrRank(required), `${asserted} ⊇ ${required}`);
    }
  }
  t.notOk(acrSatisfies('urn:jsrs:level:real_person', 'urn:jsrs:level:real_person:face'));
  t.ok(acrSatisfies('urn:jsrs:level:real_person:face', 'urn:jsrs:level:registered'));
  t.same(acrValues.map(levelRequiredBy), ['registered', 'real_name', 'real_person', 'real_person']);
  t.same(acrValues.map(acrNeedsFaceThisSignIn), [false, false, false, true]);
});

t.test('levelFromProofs', async (t) => {
  type Shape = Omit<LevelProof, 'identityKey'>;
  const cases: [Shape[], string][] = [
    [[], 'registered'],
    [[{ kind: 'registry_match' }], 'real_name'],
    [[{ kind: 'face_match' }], 'registered'],
    [[{ kind: 'face_match' }, { kind: 'registry_match' }], 'real_person'],
    [[{ kind: 'upstream_assertion', level: 'real_name' }], 'real_name'],
    [[{ kind: 'upstream_assertion', level: 'real_person' }], 'real_person'],
    [[{ kind: 'upstream_assertion', level: 'registered' }, { kind: 'face_match' }], 'registered'],
    [[{ kind: 'upstream_assertion' }], 'registered'],
    [[{ kind: 'upstream_assertion', level: 'real_name' }, { kind: 'face_match' }], 'real_person'],
    [[{ kind: 'registry_match' }, { kind: 'upstream_assertion', level: 'real_person' }], 'real_person'],
    [[{ kind: 'upstream_assertion', level: 'real_person' }, { kind: 'registry_match' }], 'real_person'],
  ];
  const of = (key: string | null) => (proofs: Shape[]) => proofs.map((p) => ({ ...p, identityKey: key }));
  for (const [proofs, level] of cases) t.equal(levelFromProofs(of('me')(proofs), 'me'), level, JSON.stringify(proofs));
  for (const [proofs] of cases) {
    t.equal(levelFromProofs(of('someone else')(proofs), 'me'), 'registered', `another identity's ${JSON.stringify(proofs)} count for nothing`);
    t.equal(levelFromProofs(of(null)(proofs), 'me'), 'registered', `unkeyed ${JSON.stringify(proofs)} count for nothing`);
  }
  t.equal(levelFromProofs([{ kind: 'registry_match', identityKey: 'me' }, { kind: 'face_match', identityKey: 'someone else' }], 'me'), 'real_name', "another identity's face does not complete mine");
  t.equal(levelFromProofs([{ kind: 'registry_match', identityKey: 'someone else' }, { kind: 'face_match', identityKey: 'me' }], 'me'), 'registered', "nor does another identity's registry match");
});
