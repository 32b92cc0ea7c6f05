// Typed loader of the synthetic fixture files (fixtures/*.json) that every mock upstream serves:
// the population registry and the accounts at the upstream sign-in providers.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { fixturesDir } from '../paths.js';

const registryPersonSchema = z
  .object({
    cert_type: z.string(),
    id_number: z.string(),
    name: z.string(),
    sex: z.string(),
    birth_date: z.string(),
    region_code: z.string(),
    region_name: z.string(),
    face_enrolled: z.boolean(),
  })
  .transform((p) => ({
    certType: p.cert_type,
    idNumber: p.id_number,
    name: p.name,
    sex: p.sex,
    birthDate: p.birth_date,
    regionCode: p.region_code,
    regionName: p.region_name,
    faceEnrolled: p.face_enrolled,
  }));

const esscHolderSchema = z
  .object({ id_number: z.string(), name: z.string(), card_no: z.string(), issuer_region: z.string() })
  .transform((h) => ({ idNumber: h.id_number, name: h.name, cardNo: h.card_no, issuerRegion: h.issuer_region }));

const jszwAccountSchema = z
  .object({
    username: z.string(),
    password: z.string(),
    id_number: z.string(),
    name: z.string(),
    phone: z.string(),
    level: z.enum(['实名', '实人']),
  })
  .transform((a) => ({
    username: a.username,
    password: a.password,
    idNumber: a.id_number,
    name: a.name,
    phone: a.phone,
    level: a.level,
  }));

const alipayUserSchema = z
  .object({
    user_id: z.string(),
    login: z.string(),
    password: z.string(),
    nick_name: z.string(),
    certified: z.boolean(),
    id_number: z.string().optional(),
    name: z.string().optional(),
  })
  .transform((u) => ({
    userId: u.user_id,
    login: u.login,
    password: u.password,
    nickName: u.nick_name,
    certified: u.certified,
    ...(u.id_number === undefined ? {} : { idNumber: u.id_number }),
    ...(u.name === undefined ? {} : { name: u.name }),
  }));

const upstreamAccountsSchema = z.object({
  essc: z.array(esscHolderSchema),
  jszw: z.array(jszwAccountSchema),
  alipay: z.array(alipayUserSchema),
});

/** A person in the mock population registry (人口基础信息库). */
export type RegistryPerson = z.output<typeof registryPersonSchema>;
/** An electronic social security card holder at the mock 电子社保卡 platform. */
export type EsscFixtureHolder = z.output<typeof esscHolderSchema>;
/** An account at the mock 江苏政务服务 site. */
export type JszwFixtureAccount = z.output<typeof jszwAccountSchema>;
/** A user at the mock Alipay gateway; `certified` users carry `name` and `idNumber`. */
export type AlipayFixtureUser = z.output<typeof alipayUserSchema>;
export type UpstreamAccounts = z.output<typeof upstreamAccountsSchema>;

function readJson(fileName: string, dir: string): unknown {
  return JSON.parse(readFileSync(join(dir, fileName), 'utf8'));
}

/** Reads `population-registry.json`. Throws if the file is missing or not in the expected shape. */
export function loadPopulationRegistry(dir: string = fixturesDir): RegistryPerson[] {
  return z.array(registryPersonSchema).parse(readJson('population-registry.json', dir));
}

/** Reads `upstream-accounts.json`. Throws if the file is missing or not in the expected shape. */
export function loadUpstreamAccounts(dir: string = fixturesDir): UpstreamAccounts {
  return upstreamAccountsSchema.parse(readJson('upstream-accounts.json', dir));
}
