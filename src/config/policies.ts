// The texts of 《隐私政策》 and 《个人证件信息处理规则》 as configuration: config/policies.json (or the
// operator's POLICIES_FILE), validated here, with one version for both; /privacy renders them.

import { readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { z } from 'zod';
import { configDir } from '../paths.js';

const section = z.object({
  heading: z.string().min(1),
  paragraphs: z.array(z.string().min(1)),
  /** Who receives what through which scope (a table under the paragraphs). */
  scopes: z.array(z.object({ scope: z.string().min(1), what: z.string().min(1) })).optional(),
});
const policyDocument = z.object({ title: z.string().min(1), sections: z.array(section).min(1) });

export const policiesSchema = z.object({
  /** Shown on both pages and with the registration consent; a new version is a new text to agree to. */
  version: z.string().min(1).max(40),
  /** What this version changed, in a few lines: shown when a citizen who agreed to an earlier version is asked again. */
  changes: z.array(z.string().min(1)).default([]),
  documents: z.object({ privacy: policyDocument, 'document-rules': policyDocument }),
});

export type Policies = z.infer<typeof policiesSchema>;

/** Reads and validates the policy texts; `file` is relative to config/ unless absolute. */
export function loadPolicies(file = 'policies.json'): Policies {
  const path = isAbsolute(file) ? file : join(configDir, file);
  const parsed = policiesSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
  if (!parsed.success) throw new Error(`${path}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}
