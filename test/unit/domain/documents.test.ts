// Document number rules: every fixture number passes for its type; each broken variant fails with
// the code of the rule it breaks; normalisation (full width, spaces, lower-case x, 15→18 upgrade).

import { readFileSync } from 'node:fs';
import t, { type Test } from 'tap';
import {
  certTypes,
  documentErrorCodes,
  gb11643CheckChar,
  isCertType,
  validateDocument,
  type DocumentErrorCode,
} from '../../../src/domain/documents.js';
import { ValidationError } from '../../../src/errors/app-error.js';

interface RegistryEntry {
  cert_type: string;
  id_number: string;
  birth_date: string;
}
const registry = JSON.parse(
  readFileSync(new URL('../../../fixtures/population-registry.json', import.meta.url), 'utf8'),
) as RegistryEntry[];

// 00:30 on 1 June 2025 in China is still 31 May in UTC: birth dates follow the Chinese calendar day.
const today = new Date('2025-06-01T00:30:00+08:00');
const withCheck = (first17: string) => `${first17}${gb11643CheckChar(first17)}`;
const otherChars = (c: string) => [...'0123456789X'].filter((x) => x !== c);

const seenCodes = new Set<DocumentErrorCode>();
function rejects(t: Test, certType: string, raw: string, code: DocumentErrorCode) {
  seenCodes.add(code);
  t.same(validateDocument(certType, raw, today), { ok: false, code }, `${certType} ${JSON.stringify(raw)} → ${code}`);
}
function accepts(t: Test, certType: string, raw: string, number: string) {
  t.same(validateDocument(certType, raw, today), { ok: true, number }, `${certType} ${JSON.stringify(raw)} → ${number}`);
}

t.test('the fixture registry covers several types and every entry is accepted', async (t) => {
  t.ok(registry.length >= 60);
  t.same([...new Set(registry.map((e) => e.cert_type))].sort(), ['01', '04', '06', '07', '11']);
  for (const entry of registry) {
    accepts(t, entry.cert_type, entry.id_number, entry.id_number);
  }
});

t.test('a wrong check character is refused for every 18-char fixture number', async (t) => {
  const gb = registry.filter((e) => e.id_number.length === 18);
  t.ok(gb.length >= 60);
  for (const { cert_type, id_number } of gb) {
    for (const c of otherChars(id_number.slice(-1))) {
      rejects(t, cert_type, `${id_number.slice(0, 17)}${c}`, 'documents.id_card.check_digit');
    }
  }
});

t.test('resident ID (01) birth dates', async (t) => {
  const region = '320102';
  const id = (date: string) => withCheck(`${region}${date}123`);
  for (const date of ['20000229', '19000101', '20250601', '19991231']) accepts(t, '01', id(date), id(date));
  for (const date of ['19990229', '20010230', '20010431', '20011301', '20010001', '20010100', '00000000']) {
    rejects(t, '01', id(date), 'documents.id_card.birth_date');
  }
  rejects(t, '01', id('18991231'), 'documents.id_card.birth_date_too_early');
  for (const date of ['20250602', '20260101', '29991231']) rejects(t, '01', id(date), 'documents.id_card.birth_date_future');
  // the same number becomes valid once its birthday has come
  t.same(validateDocument('01', id('20250602'), new Date('2025-06-02T00:00:00+08:00')), { ok: true, number: id('20250602') });
});

t.test('resident ID (01) shape, region and normalisation', async (t) => {
  const good = '320102200103203935';
  for (const raw of [good.slice(0, 17), `${good}1`, good.slice(0, 16), '3201022001032039']) {
    rejects(t, '01', raw, 'documents.id_card.length');
  }
  rejects(t, '01', '32010A200103203935', 'documents.id_card.format');
  rejects(t, '01', 'X20102200103203935', 'documents.id_card.format');
  rejects(t, '01', '32010220010320393Y', 'documents.id_card.format');
  rejects(t, '01', '32010219660101X12', 'documents.id_card.length');
  rejects(t, '01', '3201021966010112X', 'documents.id_card.length');
  rejects(t, '01', '32010266010112X', 'documents.id_card.format');
  for (const province of ['00', '10', '16', '20', '71', '81', '82', '83', '99']) {
    rejects(t, '01', withCheck(`${province}010220010320393`), 'documents.id_card.region');
  }
  const withX = registry.find((e) => e.cert_type === '01' && e.id_number.endsWith('X'));
  if (!withX) throw new Error('fixture needs an ID ending in X');
  accepts(t, '01', withX.id_number.toLowerCase(), withX.id_number);
  accepts(t, '01', ` ${good}\t`, good);
  accepts(t, '01', '3201 0220 0103 2039 35', good);
  accepts(t, '01', '\u3000３２０１０２２００１０３２０３９３５\u3000', good);
  accepts(t, '01', withX.id_number.replace('X', 'ｘ'), withX.id_number);
});

t.test('15-digit legacy resident IDs are upgraded to 18', async (t) => {
  const born19xx = registry.filter((e) => e.cert_type === '01' && e.id_number.slice(6, 8) === '19');
  t.ok(born19xx.length >= 20);
  for (const { id_number } of born19xx) {
    const legacy = `${id_number.slice(0, 6)}${id_number.slice(8, 17)}`;
    t.equal(legacy.length, 15);
    accepts(t, '01', legacy, id_number);
  }
  rejects(t, '01', '320102990230123', 'documents.id_card.birth_date');
  rejects(t, '01', '990102660101123', 'documents.id_card.region');
});

t.test('HK/Macau permits (04, 05)', async (t) => {
  accepts(t, '04', 'H60123456', 'H60123456');
  accepts(t, '04', 'h6012345601', 'H6012345601');
  accepts(t, '05', 'M12345678', 'M12345678');
  accepts(t, '05', 'Ｍ１２３４５６７８', 'M12345678');
  rejects(t, '04', 'M12345678', 'documents.hk_macau.hk_prefix');
  rejects(t, '05', 'H60123456', 'documents.hk_macau.macau_prefix');
  for (const raw of ['H6012345', 'H601234567', 'H601234560123', 'K60123456', '60123456', 'HH0123456', 'H6012345X']) {
    rejects(t, '04', raw, 'documents.hk_macau.format');
  }
});

t.test('Taiwan permits (06)', async (t) => {
  accepts(t, '06', '03456789', '03456789');
  accepts(t, '06', '0345678901', '0345678901');
  for (const raw of ['0345678', '034567890', '03456789012', 'T3456789', '0345678A']) rejects(t, '06', raw, 'documents.taiwan.format');
});

t.test('permanent residence cards (07)', async (t) => {
  const card = '932840198808080025';
  accepts(t, '07', card, card);
  accepts(t, '07', 'usa320880808001', 'USA320880808001');
  for (const raw of ['832840198808080025', 'US3208808080012', 'USA32088080800', 'USA3208808080012', '9328401988080800']) {
    rejects(t, '07', raw, 'documents.permanent_residence.format');
  }
  rejects(t, '07', '9328401988080800A5', 'documents.id_card.format');
  rejects(t, '07', withCheck('99284019880808002'), 'documents.id_card.region');
  rejects(t, '07', withCheck('93284019880230002'), 'documents.id_card.birth_date');
  rejects(t, '07', withCheck('93284020300101002'), 'documents.id_card.birth_date_future');
});

t.test('residence permits (11)', async (t) => {
  for (const prefix of ['810000', '820000', '830000']) {
    const n = withCheck(`${prefix}19850612007`);
    accepts(t, '11', n, n);
  }
  rejects(t, '11', withCheck('81000119850612007'), 'documents.residence_permit.prefix');
  rejects(t, '11', '320102200103203935', 'documents.residence_permit.prefix');
  rejects(t, '11', '81000019850612007', 'documents.residence_permit.length');
  rejects(t, '11', '810000850612007', 'documents.residence_permit.length');
  rejects(t, '11', '81000019850612O075', 'documents.id_card.format');
  rejects(t, '11', withCheck('81000019850631007'), 'documents.id_card.birth_date');
  rejects(t, '11', withCheck('81000020991231007'), 'documents.id_card.birth_date_future');
});

t.test('foreign passports (08)', async (t) => {
  accepts(t, '08', 'E12345678', 'E12345678');
  accepts(t, '08', ' e1234 ', 'E1234');
  accepts(t, '08', 'A'.repeat(17), 'A'.repeat(17));
  for (const raw of ['E123', 'A'.repeat(18), 'E1234-567', 'E1234567.', 'É1234567']) rejects(t, '08', raw, 'documents.passport.format');
});

t.test('types, empty and oversized input', async (t) => {
  t.same([...certTypes], ['01', '04', '05', '06', '07', '08', '11']);
  t.ok(isCertType('01'));
  t.notOk(isCertType('02'));
  t.notOk(isCertType(1));
  rejects(t, '02', '320102200103203935', 'documents.unknown_type');
  rejects(t, '', '320102200103203935', 'documents.unknown_type');
  for (const type of certTypes) {
    rejects(t, type, '', 'documents.empty');
    rejects(t, type, ' \u3000\t', 'documents.empty');
    rejects(t, type, '1'.repeat(65), 'documents.too_long');
    rejects(t, type, '1'.repeat(100_000), 'documents.too_long');
  }
});

t.test('check character helper', async (t) => {
  t.equal(gb11643CheckChar('32010220010320393'), '5');
  t.equal(gb11643CheckChar('31010419721114465'), 'X');
  t.throws(() => gb11643CheckChar('3201022001032039'), ValidationError);
  t.throws(() => gb11643CheckChar('3201022001032039X'), ValidationError);
});

t.test('every document error code is exercised above', async (t) => {
  t.same([...seenCodes].sort(), [...documentErrorCodes].sort());
});
