// A generated evidence folder indexed for real (walker, parsers, workers, detections), and the manifest checks the
// end-to-end tests share: every planted trace found, no benign twin flagged by the checks it names.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateEvidence } from '../../fixtures/generate.ts';
import type { GenerateOptions, GeneratedManifest } from '../../fixtures/generate.ts';
import { openCaseDb } from '../../../electron/case/db.ts';
import type { Db } from '../../../electron/case/db.ts';
import { IndexCoordinator } from '../../../electron/ingest/coordinator.ts';
import type { EvidenceRef } from '../../../shared/types.ts';
import type { IndexProgress } from '../../../shared/api.ts';

export interface Row { id: number; check: string; severity: string; confidence: string | null; reason: string | null; path: string | null; evidence: EvidenceRef[]; details: Record<string, unknown> }
export interface GeneratedCase { dir: string; manifest: GeneratedManifest; db: Db; rows: Row[]; close(): void }

export const sameRef = (a: EvidenceRef, b: { file: string; line?: number; record?: number }): boolean =>
  a.file === b.file && (b.line === undefined || a.line === b.line) && (b.record === undefined || a.record === b.record);

/** Generates, indexes with the generator's attacker IOC list and opens the case read-only. */
export async function indexGenerated(opts: GenerateOptions, onProgress?: (p: IndexProgress) => void,
  /** Changes the evidence before it is indexed (e.g. removes what a triage would not have collected). */
  prepare?: (manifest: GeneratedManifest) => void): Promise<GeneratedCase> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'loupe-e2e-'));
  const root = path.join(dir, 'evidence');
  const manifest = await generateEvidence(root, opts);
  prepare?.(manifest);
  const casePath = path.join(dir, 'case.loupe');
  const db0 = openCaseDb(casePath, { create: true });
  db0.prepare('INSERT INTO evidence_sources (root, label, added_at) VALUES (?, ?, ?)').run(root, 'generated', new Date().toISOString());
  db0.close();
  await new IndexCoordinator({ casePath, iocs: [path.join(dir, 'attacker-iocs.csv')], workers: 1, onProgress }).run();
  const db = openCaseDb(casePath, { readonly: true });
  const rows = (db.prepare('SELECT id, check_id AS "check", severity, confidence, confidence_reason AS reason, path, evidence, details FROM findings').all() as Array<Row & { evidence: string; details: string | null }>)
    .map((r) => ({ ...r, evidence: JSON.parse(r.evidence) as EvidenceRef[], details: r.details ? JSON.parse(r.details) as Record<string, unknown> : {} }));
  return {
    dir, manifest, db, rows,
    close() { db.close(); fs.rmSync(dir, { recursive: true, force: true }); },
  };
}

export function assertPlantedFound(manifest: GeneratedManifest, rows: Row[]): void {
  for (const p of manifest.planted) {
    const candidates = rows.filter((r) => r.check === p.check);
    const ok = candidates.some((r) =>
      (p.path ? r.path?.toLowerCase() === p.path.toLowerCase() : true) &&
      (p.evidence ?? []).every((e) => r.evidence.some((x) => sameRef(x, e))));
    // Log hits may be spread over several findings (one per IP/outcome): then each ref must be in one of them.
    const spread = !p.path && (p.evidence ?? []).every((e) => candidates.some((r) => r.evidence.some((x) => sameRef(x, e))));
    assert.ok(ok || spread, `planted ${p.check} not found: ${p.note} ${JSON.stringify(p.evidence)}`);
  }
}

export function assertBenignClean(manifest: GeneratedManifest, rows: Row[]): void {
  for (const b of manifest.benign) {
    for (const e of b.evidence ?? []) {
      const flagged = rows.filter((r) => (b.checks as string[]).includes(r.check) && r.evidence.some((x) => sameRef(x, e)));
      assert.deepEqual(flagged.map((r) => r.check), [], `benign flagged: ${b.what} ${JSON.stringify(e)}`);
      for (const r of rows.filter((x) => (b.reviewOnly as string[] | undefined)?.includes(x.check) && x.evidence.some((y) => sameRef(y, e)))) {
        assert.ok(r.confidence === 'review' || r.confidence === 'info', `${b.what}: ${r.check} is ${r.confidence}`);
        for (const s of rows.filter((x) => x.check === 'story')) assert.ok(!s.evidence.some((y) => sameRef(y, e)), `${b.what} is in a story`);
      }
    }
    if (b.path) {
      const byPath = rows.filter((r) => (b.checks as string[]).includes(r.check) && r.path?.toLowerCase() === b.path!.toLowerCase());
      assert.deepEqual(byPath.map((r) => r.check), [], `benign flagged by path: ${b.what}`);
    }
  }
}
