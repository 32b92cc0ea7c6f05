// In-memory certifications of the mock face verifier and the rule deciding a result: a person
// passes only when the registry knows them (document + name match) with an enrolled face.

import { randomBytes } from 'node:crypto';
import type { Clock } from '../../domain/clock.js';

/** A population-registry entry (as `loadPopulationRegistry()` reads it); other fields are ignored. */
export interface FaceRegistryEntry {
  certType: string;
  idNumber: string;
  name: string;
  faceEnrolled: boolean;
}

export const certifyStatuses = ['INIT', 'PASSED', 'FAILED'] as const;
export type CertifyStatus = (typeof certifyStatuses)[number];

/** Mock-only diagnosis of a failure (also returned by the query as `fail_reason`). */
export const failReasons = ['USER_FAILED', 'NOT_ENROLLED', 'IDENTITY_MISMATCH'] as const;
export type FailReason = (typeof failReasons)[number];

export interface Certification {
  certifyId: string;
  appId: string;
  outerOrderNo: string;
  bizCode: string;
  certType: string;
  certName: string;
  certNo: string;
  returnUrl: string | undefined;
  /** Proves the result form was reached through the signed certify URL. */
  pageToken: string;
  status: CertifyStatus;
  failReason: FailReason | undefined;
  createdAt: Date;
  finishedAt: Date | undefined;
}

/** Alipay identity_param.cert_type → the AAC058 types it may stand for. */
export const alipayCertTypes: Record<string, readonly string[]> = {
  IDENTITY_CARD: ['01'],
  HOME_VISIT_PERMIT_HK_MC: ['04', '05'],
  HOME_VISIT_PERMIT_TAIWAN: ['06'],
  RESIDENCE_PERMIT_HK_MC: ['11'],
  RESIDENCE_PERMIT_TAIWAN: ['11'],
};

function formatDay(date: Date): string {
  return new Date(date.getTime() + 8 * 3_600_000).toISOString().slice(0, 10).replaceAll('-', '');
}

export function createFaceState(registry: readonly FaceRegistryEntry[], clock: Clock) {
  const certifications = new Map<string, Certification>();

  /** Why this person would fail even when they "pass" the face check; undefined when they can pass. */
  function identityProblem(c: Certification): FailReason | undefined {
    const types = alipayCertTypes[c.certType] ?? [];
    const entry = registry.find(
      (e) => types.includes(e.certType) && e.idNumber.toUpperCase() === c.certNo.toUpperCase(),
    );
    if (!entry || entry.name !== c.certName) return 'IDENTITY_MISMATCH';
    return entry.faceEnrolled ? undefined : 'NOT_ENROLLED';
  }

  return {
    create(input: Pick<Certification, 'appId' | 'outerOrderNo' | 'bizCode' | 'certType' | 'certName' | 'certNo' | 'returnUrl'>): Certification {
      const now = clock.now();
      const certification: Certification = {
        ...input,
        certifyId: `OC${formatDay(now)}${randomBytes(11).toString('hex')}`,
        pageToken: randomBytes(16).toString('hex'),
        status: 'INIT',
        failReason: undefined,
        createdAt: now,
        finishedAt: undefined,
      };
      certifications.set(certification.certifyId, certification);
      return certification;
    },

    /** The certification `certifyId` of `appId`, or undefined. */
    find(appId: string, certifyId: string): Certification | undefined {
      const c = certifications.get(certifyId);
      return c && c.appId === appId ? c : undefined;
    },

    findById(certifyId: string): Certification | undefined {
      return certifications.get(certifyId);
    },

    /** Records the person's attempt once; a finished certification keeps its result. */
    finish(c: Certification, outcome: 'pass' | 'fail'): Certification {
      if (c.status !== 'INIT') return c;
      const problem = outcome === 'pass' ? identityProblem(c) : 'USER_FAILED';
      c.status = problem ? 'FAILED' : 'PASSED';
      c.failReason = problem;
      c.finishedAt = clock.now();
      return c;
    },
  };
}

export type FaceState = ReturnType<typeof createFaceState>;
