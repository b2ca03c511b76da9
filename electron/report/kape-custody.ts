// KAPE's own record of the collection, for the chain of custody: each run its console log describes (version, command
// line, machine, user, copy totals), and each copy log checked against the case — every copied file found in the
// evidence by its destination path, its SHA-1 at collection (KAPE's) compared with the SHA-1 Loupe computed on indexing.
import type { Db } from '../case/db.ts';
import { decodeFields, FIELDS_COLUMNS } from '../case/fields.ts';
import type { FieldValue } from '../../shared/types.ts';

export interface KapeRun {
  /** Evidence-relative path of the console log. */
  log: string;
  /** Run start (µs since the epoch, UTC): the time in the log's name, else its first timed line. */
  startedAt: number | null;
  kapeVersion: string | null; commandLine: string | null; machine: string | null; user: string | null; os: string | null;
  /** `N of M` files copied, as the log says. */
  copied: string | null;
  executionSeconds: string | null;
}

export interface KapeCopyMismatch { source: string; relPath: string; kapeSha1: string; caseSha1: string }

export interface KapeCopyCheck {
  log: string;
  /** Rows of the copy log (files KAPE says it copied). */
  rows: number;
  /** Found in the evidence with the SHA-1 KAPE recorded. */
  same: number;
  /** Found with another SHA-1: changed since collection (listed, up to LIST_MAX). */
  differ: KapeCopyMismatch[];
  differTotal: number;
  /** Not found in the evidence under their destination path (first LIST_MAX destinations). */
  absent: string[];
  absentTotal: number;
  /** Found, but one of the two SHA-1s is missing (KAPE deferred the copy or Loupe did not hash the file). */
  unhashed: number;
}

export interface KapeCustody { runs: KapeRun[]; copies: KapeCopyCheck[] }

const LIST_MAX = 50;

const text = (v: FieldValue | undefined): string | null => (v === undefined || v === null || v === '' ? null : String(v));

/** Events of the files of one kind, grouped by file, in file then event order. */
function eventsByFile(db: Db, kind: string): Map<string, Array<{ ts: number; fields: Record<string, FieldValue> }>> {
  const rows = db.prepare(`SELECT f.rel_path AS rel, e.ts, ${FIELDS_COLUMNS('e')} FROM events e JOIN files f ON f.id = e.file_id
    WHERE f.kind = ? AND e.source = 'kape' ORDER BY f.rel_path, e.id`).iterate(kind) as IterableIterator<{ rel: string; ts: number }>;
  const out = new Map<string, Array<{ ts: number; fields: Record<string, FieldValue> }>>();
  for (const r of rows) {
    const list = out.get(r.rel) ?? [];
    list.push({ ts: r.ts, fields: decodeFields(r) });
    out.set(r.rel, list);
  }
  return out;
}

const RUN_FACTS = ['kapeVersion', 'commandLine', 'machine', 'user', 'os', 'copied', 'executionSeconds'] as const;

function kapeRuns(db: Db): KapeRun[] {
  return [...eventsByFile(db, 'kape-console-log')].map(([log, events]) => {
    const first = (name: string): string | null => {
      for (const e of events) { const v = text(e.fields[name]); if (v !== null) return v; }
      return null;
    };
    const facts = Object.fromEntries(RUN_FACTS.map((k) => [k, first(k)])) as Pick<KapeRun, (typeof RUN_FACTS)[number]>;
    return { log, startedAt: events.length ? events[0].ts : null, ...facts };
  });
}

/** `E:\Collect\EXCH01\C\x.log` → lower-cased `/`-separated parts. */
const parts = (p: string): string[] => p.replace(/\\/g, '/').toLowerCase().split('/').filter(Boolean);

/**
 * Finds evidence files by a copy's destination path: the longest tail of at least two parts (the drive folder and the
 * name, at the least) that is a file's relative path. KAPE's destination holds its --tdest, which the evidence folder
 * given to Loupe may or may not include.
 */
class FilesByTail {
  private readonly byRel = new Map<string, { rel: string; sha1: string | null }>();

  constructor(db: Db) {
    const rows = db.prepare('SELECT rel_path AS rel, sha1 FROM files').iterate() as IterableIterator<{ rel: string; sha1: string | null }>;
    for (const r of rows) this.byRel.set(parts(r.rel).join('/'), r);
  }

  find(destination: string): { rel: string; sha1: string | null } | null {
    const p = parts(destination);
    for (let i = 0; i <= p.length - 2; i++) {
      const hit = this.byRel.get(p.slice(i).join('/'));
      if (hit) return hit;
    }
    return null;
  }
}

function checkCopyLog(log: string, events: Array<{ fields: Record<string, FieldValue> }>, files: FilesByTail): KapeCopyCheck {
  const c: KapeCopyCheck = { log, rows: events.length, same: 0, differ: [], differTotal: 0, absent: [], absentTotal: 0, unhashed: 0 };
  for (const { fields } of events) {
    const dest = text(fields.DestinationFile) ?? '';
    const file = dest ? files.find(dest) : null;
    if (!file) { if (c.absentTotal++ < LIST_MAX) c.absent.push(dest); continue; }
    const kapeSha1 = text(fields.SourceFileSha1)?.toLowerCase() ?? null;
    const caseSha1 = file.sha1?.toLowerCase() ?? null;
    if (kapeSha1 === null || caseSha1 === null) c.unhashed++;
    else if (kapeSha1 === caseSha1) c.same++;
    else if (c.differTotal++ < LIST_MAX) c.differ.push({ source: text(fields.SourceFile) ?? '', relPath: file.rel, kapeSha1, caseSha1 });
  }
  return c;
}

export function buildKapeCustody(db: Db): KapeCustody {
  const runs = kapeRuns(db);
  const logs = eventsByFile(db, 'kape-copy-log');
  if (logs.size === 0) return { runs, copies: [] };
  const files = new FilesByTail(db);
  return { runs, copies: [...logs].map(([log, events]) => checkCopyLog(log, events, files)) };
}
