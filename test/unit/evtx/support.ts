// Shared helpers for the EVTX tests: where the public sample logs are, and how to run the parser over bytes.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { IngestWarning, ParseOutcome, TimelineEvent } from '../../../shared/types.ts';
import { parseEvtx } from '../../../electron/ingest/sources/evtx/index.ts';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const evtxDir = path.resolve(repoRoot, '../shared/data/evtx');
export const DATA_MISSING = `shared EVTX samples not found at ${evtxDir} (clone the shared data beside the repository)`;

export function haveData(): boolean {
  return fs.existsSync(path.join(evtxDir, 'ORACLE.tsv'));
}

export function evtxFiles(): string[] {
  return fs.readdirSync(evtxDir).filter((f) => f.endsWith('.evtx')).sort();
}

export function haveTool(cmd: string, arg = '-h'): boolean {
  const r = spawnSync(cmd, [arg], { stdio: 'ignore' });
  return !r.error;
}

/** Feeds `bytes` in pieces of `piece` bytes (an odd size exercises the parser's own re-chunking). */
export async function* pieces(bytes: Uint8Array, piece = 7919): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += piece) yield bytes.subarray(i, i + piece);
}

export interface ParseResult { events: TimelineEvent[]; warnings: Omit<IngestWarning, 'file'>[] }

export async function parseBytes(
  bytes: Uint8Array, rel = 'x.evtx', piece = 7919, outcome?: (o: ParseOutcome) => void,
): Promise<ParseResult> {
  const events: TimelineEvent[] = [];
  const warnings: Omit<IngestWarning, 'file'>[] = [];
  for await (const e of parseEvtx({ rel, chunks: pieces(bytes, piece), size: bytes.length }, { warn: (w) => warnings.push(w), outcome })) {
    events.push(plainEvent(e));
  }
  return { events, warnings };
}

/** An event as a plain object with its fields built (EVTX events carry them packed: names plus values). */
export const plainEvent = (e: TimelineEvent): TimelineEvent =>
  ({ ts: e.ts, tsDesc: e.tsDesc, source: e.source, host: e.host, message: e.message, fields: e.fields, ref: e.ref });

/** Rows of ORACLE.tsv keyed by file name. */
export function readOracle(): Map<string, Record<string, string>> {
  const [head, ...rows] = fs.readFileSync(path.join(evtxDir, 'ORACLE.tsv'), 'utf8').trimEnd().split('\n');
  const cols = head.split('\t');
  const out = new Map<string, Record<string, string>>();
  for (const row of rows) {
    const cells = row.split('\t');
    out.set(cells[0], Object.fromEntries(cols.map((c, i) => [c, cells[i]])));
  }
  return out;
}
