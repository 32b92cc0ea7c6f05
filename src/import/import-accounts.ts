// src/import/: the legacy account import (rows, descriptor, its own batch repository); imports domain/, repositories/ (types), services/, db/.
// Imports the legacy platform's accounts from a JSON Lines export: streamed line by line, checked by
// the registration rules, encrypted and blind-indexed like any account, written in batches (one
// transaction per batch, with the resume checkpoint), idempotent by legacy id; refusals and
// conflicts go to JSON Lines reports beside the input. A dry run does all of it and rolls back.

import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { appendFile, rename, stat, writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { createInterface } from 'node:readline';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import type { Clock } from '../domain/clock.js';
import { piiAad } from '../services/pii-aad.js';
import { familyPiiAad } from '../services/family.js';
import type { IdentityLevels } from '../services/identity-levels.js';
import type { Secrets } from '../services/secrets.js';
import type { ImportDescriptor } from './descriptor.js';
import { emptyBatchRows, findHoldings, readCheckpoint, lockDocumentNumbers, withImportTables, writeBatch, type Holdings, type ImportCounts, type ImportTrx } from './repository.js';
import { parseRow, type RowResult, type ValidRow } from './rows.js';

export interface ImportOptions {
  db: Kysely<DB>;
  secrets: Pick<Secrets, 'cipher' | 'blindIndex'>;
  levels: Pick<IdentityLevels, 'keyOf'>;
  clock: Clock;
  descriptor: ImportDescriptor;
  file: string;
  dryRun?: boolean;
  /** Continue after the last committed batch of an earlier run of this file. */
  resume?: boolean;
  /** Lines per transaction; default 1000. */
  batchSize?: number;
  /** Called after each committed (or, in a dry run, checked) batch. */
  onBatch?: (progress: { line: number; counts: ImportCounts }) => void;
}

export interface ImportReport {
  counts: ImportCounts;
  /** Lines read in all (the last line checked). */
  lines: number;
  dryRun: boolean;
  /** The line an earlier run had committed up to, when resumed. */
  resumedAfterLine?: number;
  refusedFile: string;
  conflictsFile: string;
}

/** A conflict for the service desk: the row (or one of its links or family numbers) and who holds the value. */
export interface ConflictEntry {
  line: number;
  legacy_id: string;
  field: string;
  /** The account already holding the value: its legacy id, or 'native' for an account registered here. */
  held_by: string;
  /** Whether the row was imported (without the conflicting link or family number) or held back. */
  imported: boolean;
}

class DryRunRollback extends Error {}

/** Looks at one batch before giving up when its values keep being taken by others meanwhile. */
const maxLooks = 3;

export const reportPaths = (file: string) => ({ refused: `${file}.refused.jsonl`, conflicts: `${file}.conflicts.jsonl` });
const emptyCounts = (): ImportCounts => ({ imported: 0, duplicates: 0, refused: 0, conflicts: 0 });

/** Keeps the report lines of batches that committed before a kill (line ≤ `line`); later ones are written again. */
async function truncateReport(path: string, line: number): Promise<void> {
  const exists = await stat(path).then(() => true, () => false);
  if (!exists) return;
  const temporary = `${path}.tmp`;
  const out = createWriteStream(temporary);
  for await (const text of createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity })) {
    if (text === '') continue;
    try {
      if ((JSON.parse(text) as { line: number }).line <= line) out.write(`${text}\n`);
    } catch {
      // a line cut by the kill: written again by the resumed batch
    }
  }
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
  await rename(temporary, path);
}

interface Pending {
  line: number;
  result: RowResult;
}

/** A valid row with its blind indexes and envelopes made, and its account id chosen. */
interface PreparedRow {
  line: number;
  row: ValidRow;
  id: string;
  docIndex: string;
  phoneIndex: string | undefined;
  memberIndexes: string[];
  identityKey: string;
  nameEnvelope: string;
  numberEnvelope: string;
  phoneEnvelope: string | undefined;
  family: Array<{ bindingId: string; numberEnvelope: string; nameEnvelope: string }>;
}

interface PreparedBatch {
  lastLine: number;
  /** Report lines of the refused rows. */
  refused: string[];
  valid: PreparedRow[];
}

export async function importAccounts(options: ImportOptions): Promise<ImportReport> {
  const { secrets, levels, clock, descriptor, file } = options;
  const { cipher, blindIndex } = secrets;
  const db = withImportTables(options.db);
  const dryRun = options.dryRun ?? false;
  const batchSize = options.batchSize ?? 1000;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000) throw new Error('batch size must be 1–10000');
  await stat(file).catch(() => {
    throw new Error(`${file} cannot be read`);
  });
  const source = `${descriptor.platform}:${basename(file)}`;
  const paths = reportPaths(file);
  const adapter = `import:${descriptor.platform}`;

  const checkpoint = options.resume && !dryRun ? await readCheckpoint(db, source) : undefined;
  const startAfter = checkpoint?.line ?? 0;
  const counts = checkpoint ? { ...emptyCounts(), ...checkpoint.counts } : emptyCounts();
  if (checkpoint) {
    await truncateReport(paths.refused, startAfter);
    await truncateReport(paths.conflicts, startAfter);
  } else {
    await writeFile(paths.refused, '');
    await writeFile(paths.conflicts, '');
  }

  /**
   * The CPU half of a batch (blind indexes, encryption, ids), done before its transaction so it
   * overlaps the previous batch's writes; it yields now and then so those writes keep flowing.
   */
  async function prepare(batch: Pending[]): Promise<PreparedBatch> {
    const refused: string[] = [];
    const valid: PreparedRow[] = [];
    for (const [i, { line, result }] of batch.entries()) {
      if (i % 100 === 99) await new Promise<void>((resolve) => setImmediate(resolve));
      if (!result.ok) {
        const { ok: _ok, legacyId, ...rest } = result;
        refused.push(JSON.stringify({ line, ...(legacyId ? { legacy_id: legacyId } : {}), ...rest }));
        continue;
      }
      const row = result.row;
      const id = randomUUID();
      valid.push({
        line,
        row,
        id,
        docIndex: blindIndex('document', row.number),
        phoneIndex: row.phoneE164 === undefined ? undefined : blindIndex('phone', row.phoneE164),
        memberIndexes: row.familyMembers.map((m) => blindIndex('document', m.number)),
        identityKey: levels.keyOf({ certType: row.certType, number: row.number, name: row.name }),
        nameEnvelope: cipher.encrypt(row.name, piiAad.name(id)),
        numberEnvelope: cipher.encrypt(row.number, piiAad.documentNumber(id)),
        phoneEnvelope: row.phoneE164 === undefined ? undefined : cipher.encrypt(row.phoneE164, piiAad.phone(id)),
        family: row.familyMembers.map((m) => {
          const bindingId = randomUUID();
          return { bindingId, numberEnvelope: cipher.encrypt(m.number, familyPiiAad.number(bindingId)), nameEnvelope: cipher.encrypt(m.name, familyPiiAad.name(bindingId)) };
        }),
      });
    }
    return { lastLine: batch[batch.length - 1]?.line ?? 0, refused, valid };
  }

  /** Decides, against what the database holds, which rows of the prepared batch are written and which are conflicts. */
  function planBatch(prepared: PreparedBatch, held: Holdings, now: Date) {
    const delta = emptyCounts();
    const { valid, refused } = prepared;
    delta.refused = refused.length;
    const conflicts: string[] = [];
    const heldBy = (accountId: string) => held.legacyIdOf.get(accountId) ?? 'native';
    const seenLegacy = new Set<string>();
    const batchDocs = new Map<string, string>();
    const batchMembers = new Map<string, string>();
    const batchPhones = new Map<string, string>();
    const batchLinks = new Map<string, string>();
    const rows = emptyBatchRows();
    for (const v of valid) {
      const { row, line } = v;
      if (held.imported.has(row.legacyId) || seenLegacy.has(row.legacyId)) {
        delta.duplicates += 1;
        continue;
      }
      const conflict = (field: string, holder: string, imported: boolean) =>
        conflicts.push(JSON.stringify({ line, legacy_id: row.legacyId, field, held_by: holder, imported } satisfies ConflictEntry));
      const docHolder = held.documents.get(v.docIndex);
      const docBinder = held.familyBound.get(v.docIndex);
      const phoneHolder = v.phoneIndex === undefined ? undefined : held.phones.get(v.phoneIndex);
      const clash =
        (docHolder && { field: 'document_number', holder: heldBy(docHolder) }) ||
        (batchDocs.get(v.docIndex) !== undefined && { field: 'document_number', holder: batchDocs.get(v.docIndex) as string }) ||
        (docBinder && { field: 'document_number (a family number)', holder: heldBy(docBinder) }) ||
        (batchMembers.get(v.docIndex) !== undefined && { field: 'document_number (a family number)', holder: batchMembers.get(v.docIndex) as string }) ||
        (phoneHolder && { field: 'phone', holder: heldBy(phoneHolder) }) ||
        (v.phoneIndex !== undefined && batchPhones.get(v.phoneIndex) !== undefined && { field: 'phone', holder: batchPhones.get(v.phoneIndex) as string });
      if (clash) {
        delta.conflicts += 1;
        conflict(clash.field, clash.holder, false);
        continue;
      }
      seenLegacy.add(row.legacyId);
      batchDocs.set(v.docIndex, row.legacyId);
      if (v.phoneIndex !== undefined) batchPhones.set(v.phoneIndex, row.legacyId);
      delta.imported += 1;

      const id = v.id;
      rows.accounts.push({ id, name_envelope: v.nameEnvelope, needs_phone: row.phoneE164 === undefined, created_at: row.createdAt, updated_at: now });
      rows.documents.push({ account_id: id, cert_type: row.certType, number_envelope: v.numberEnvelope, number_index: v.docIndex, created_at: row.createdAt });
      if (v.phoneEnvelope !== undefined && v.phoneIndex !== undefined) {
        rows.phones.push({ account_id: id, phone_envelope: v.phoneEnvelope, phone_index: v.phoneIndex, verified_at: row.createdAt });
      }
      if (row.passwordHash !== undefined) rows.passwords.push({ account_id: id, hash: row.passwordHash, updated_at: now });
      // The level becomes proofs of this identity, marked as imported, dated by the legacy evidence.
      const identityKey = v.identityKey;
      if (row.registryMatchAt) {
        const reference = `${descriptor.platform}:registry_match:${row.registryMatchAt.toISOString().slice(0, 10)}`;
        rows.proofs.push({ id: randomUUID(), account_id: id, kind: 'registry_match', level: 'real_name', adapter, reference, identity_key: identityKey, created_at: row.registryMatchAt });
      }
      if (row.faceCheckAt) {
        const reference = `${descriptor.platform}:face_check:${row.faceCheckAt.toISOString().slice(0, 10)}`;
        rows.proofs.push({ id: randomUUID(), account_id: id, kind: 'face_match', level: 'real_person', adapter, reference, identity_key: identityKey, created_at: row.faceCheckAt });
      }
      for (const link of row.upstreamLinks) {
        const key = `${link.upstream}\u0000${link.subject}`;
        const holder = held.upstreams.get(key);
        const inBatch = batchLinks.get(key);
        if (holder !== undefined || inBatch !== undefined) {
          conflict(`upstream_links.${link.upstream}`, holder !== undefined ? heldBy(holder) : (inBatch as string), true);
          continue;
        }
        batchLinks.set(key, row.legacyId);
        rows.links.push({ account_id: id, upstream: link.upstream, subject: link.subject, created_at: row.createdAt });
      }
      row.familyMembers.forEach((member, i) => {
        const index = v.memberIndexes[i] as string;
        const holder = held.documents.get(index) ?? held.familyBound.get(index);
        const inBatch = batchDocs.get(index) ?? batchMembers.get(index);
        if (holder !== undefined || inBatch !== undefined) {
          conflict(`family_members[${i}]`, holder !== undefined ? heldBy(holder) : (inBatch as string), true);
          return;
        }
        batchMembers.set(index, row.legacyId);
        const sealed = v.family[i] as PreparedRow['family'][number];
        rows.family.push({
          id: sealed.bindingId,
          binder_account_id: id,
          member_cert_type: member.certType,
          member_number_envelope: sealed.numberEnvelope,
          member_number_index: index,
          member_name_envelope: sealed.nameEnvelope,
          relation: member.relation,
          created_at: row.createdAt,
        });
      });
      rows.imported.push({ platform: descriptor.platform, legacy_id: row.legacyId, account_id: id, imported_at: now });
    }

    return { delta, conflicts, rows };
  }

  /**
   * The database half, inside `trx`: locks the batch's numbers, looks up what is held, writes what
   * is free with the checkpoint. When a value was taken meanwhile (a registration committing between
   * the look-up and the write), the write is undone and the batch is looked at again, where it shows
   * as a conflict; a batch that keeps colliding fails the import.
   */
  async function writePrepared(trx: ImportTrx, prepared: PreparedBatch) {
    const { valid } = prepared;
    const documentIndexes = valid.flatMap((v) => [v.docIndex, ...v.memberIndexes]);
    await lockDocumentNumbers(trx, documentIndexes);
    for (let attempt = 1; ; attempt += 1) {
      const held = await findHoldings(trx, descriptor.platform, {
        legacyIds: valid.map((v) => v.row.legacyId),
        documentIndexes,
        phoneIndexes: valid.flatMap((v) => (v.phoneIndex ? [v.phoneIndex] : [])),
        upstreams: valid.flatMap((v) => v.row.upstreamLinks),
      });
      const plan = planBatch(prepared, held, clock.now());
      const next: ImportCounts = {
        imported: counts.imported + plan.delta.imported,
        duplicates: counts.duplicates + plan.delta.duplicates,
        refused: counts.refused + plan.delta.refused,
        conflicts: counts.conflicts + plan.delta.conflicts,
      };
      const checkpoint = dryRun ? undefined : { source, line: prepared.lastLine, counts: next, now: clock.now() };
      const written = await writeBatch(trx, plan.rows, checkpoint);
      if (written.ok) return { next, conflicts: plan.conflicts };
      if (attempt >= maxLooks) throw new Error(`the batch ending at line ${prepared.lastLine} still collided (${written.duplicate.constraint}) after ${attempt} looks`);
    }
  }

  async function flush(batch: PreparedBatch, trx?: ImportTrx): Promise<void> {
    const last = batch.lastLine;
    if (last === 0) return;
    const apply = async (t: ImportTrx) => {
      const out = await writePrepared(t, batch);
      // Reports before the commit: a kill in between leaves report lines a resume rewrites.
      if (batch.refused.length > 0) await appendFile(paths.refused, `${batch.refused.join('\n')}\n`);
      if (out.conflicts.length > 0) await appendFile(paths.conflicts, `${out.conflicts.join('\n')}\n`);
      return out.next;
    };
    const next = trx ? await apply(trx) : await db.transaction().execute(apply);
    Object.assign(counts, next);
    options.onBatch?.({ line: last, counts: { ...counts } });
  }

  let lines = 0;
  async function readAll(trx?: ImportTrx): Promise<void> {
    const now = clock.now();
    let batch: Pending[] = [];
    // One batch is written while the next is read and prepared; never more than two in memory.
    let writing: Promise<void> = Promise.resolve();
    const next = async (full: Pending[]) => {
      const prepared = await prepare(full);
      await writing;
      writing = flush(prepared, trx);
      writing.catch(() => undefined); // awaited (and thrown) before the next batch or at the end
    };
    const input = createReadStream(file, 'utf8');
    try {
      for await (const text of createInterface({ input, crlfDelay: Infinity })) {
        lines += 1;
        if (lines <= startAfter || text.trim() === '') continue;
        batch.push({ line: lines, result: parseRow(text, descriptor, now) });
        if (batch.length >= batchSize) {
          await next(batch);
          batch = [];
        }
      }
      if (batch.length > 0) await next(batch);
      await writing;
    } finally {
      input.destroy();
      await writing.catch(() => undefined);
    }
  }

  if (dryRun) {
    try {
      await db.transaction().execute(async (trx) => {
        await readAll(trx);
        throw new DryRunRollback();
      });
    } catch (err) {
      if (!(err instanceof DryRunRollback)) throw err;
    }
  } else {
    await readAll();
  }

  return { counts: { ...counts }, lines, dryRun, ...(checkpoint ? { resumedAfterLine: startAfter } : {}), refusedFile: paths.refused, conflictsFile: paths.conflicts };
}
