// Files the triage left open mostly wait on regex or hex strings it could not settle. Rather than compile rules for
// each such file, one libyara-wasm call matches just those strings (one probe rule per string) over many open files
// concatenated; each file gets libyara's own match list for each probed string, and the triage then evaluates the
// conditions again. A match that reaches over a file's edge (or a flood of matches) leaves that string unknown for
// that file: libyara then decides the file alone, as before.
import type { YaraEngine } from './yara.ts';
import type { FileText, Hit, StringPlan } from './yara-strings.ts';
import { rulesNeeded } from './yara-triage.ts';
import type { Triage } from './yara-triage.ts';

/** Bytes of files per probe call. */
export const PROBE_BYTES = 8 * 1024 * 1024;
/** Between files: newlines (no word character, so `\b` and `fullword` behave as at the edge of a lone file). */
const SEPARATOR = Buffer.alloc(16, 0x0a);
/** A probed string matching this often in one call may have met libyara's match limit: not trusted. */
const FLOOD = 100_000;

export interface OpenFile { key: number; bytes: Uint8Array; text: FileText; open: string[] }

/** The strings libyara must match for a file: those of its open rules (and the rules they use, and global rules)
 *  that the triage could not settle and that can be probed. */
function wanted(t: Triage, f: OpenFile): StringPlan[] {
  const out = new Set<StringPlan>();
  for (const name of rulesNeeded(t, f.open)) {
    for (const p of t.plans.get(name)?.values() ?? []) if (p.probe && f.text.occurs(p) === null) out.add(p);
  }
  return [...out];
}

/** Which file (index) a concatenation offset falls in, by binary search over the files' starts. */
function fileAt(starts: number[], offset: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid] <= offset) lo = mid; else hi = mid - 1;
  }
  return lo;
}

/** One probe call over a batch; fills the files' texts with libyara's matches of the probed strings. */
async function probeBatch(engine: YaraEngine, batch: OpenFile[], plans: Map<OpenFile, StringPlan[]>): Promise<void> {
  const all = [...new Set(batch.flatMap((f) => plans.get(f) ?? []))];
  if (!all.length) return;
  const starts: number[] = [];
  let at = 0;
  for (const f of batch) { starts.push(at); at += f.bytes.length + SEPARATOR.length; }
  const buf = Buffer.concat(batch.flatMap((f) => [f.bytes, SEPARATOR]));
  const source = all.map((p, i) => `rule Loupe_Probe_${i} {\n strings:\n  $s = ${p.probe}\n condition:\n  $s\n}`).join('\n');
  const { matches, errors } = await engine.run(buf, source, { allMatches: true });
  if (errors.some((e) => !e.warning)) return;
  const found = new Map<string, Hit[]>();
  const unsure = new Set<string>();
  const key = (fi: number, pi: number): string => `${fi}:${pi}`;
  for (const m of matches) {
    const pi = Number(m.rule.slice('Loupe_Probe_'.length));
    if (m.strings.length >= FLOOD) { batch.forEach((_, fi) => unsure.add(key(fi, pi))); continue; }
    for (const s of m.strings) {
      const fi = fileAt(starts, s.offset);
      const last = fileAt(starts, s.offset + Math.max(1, s.length) - 1);
      const fileEnd = starts[fi] + batch[fi].bytes.length;
      const inSeparator = s.offset >= fileEnd;
      if (inSeparator && last === fi) continue;
      if (inSeparator || s.offset + s.length > fileEnd) {
        // Over an edge: alone, each file touched might have seen a different match (or none).
        for (let i = inSeparator ? fi + 1 : fi; i <= last; i++) unsure.add(key(i, pi));
        continue;
      }
      const k = key(fi, pi);
      let list = found.get(k);
      if (!list) found.set(k, (list = []));
      list.push({ offset: s.offset - starts[fi], length: s.length });
    }
  }
  batch.forEach((f, fi) => {
    for (const p of plans.get(f) ?? []) {
      const pi = all.indexOf(p);
      if (unsure.has(key(fi, pi))) continue;
      let h = (found.get(key(fi, pi)) ?? []).sort((a, b) => a.offset - b.offset);
      if (p.fixedAt !== null) h = h.filter((x) => x.offset === p.fixedAt);
      f.text.setHits(p, h);
    }
  });
}

/** Probes the open files in batches of PROBE_BYTES (a larger file is left to a scan of its own); `onBatch` gets each
 *  batch's files once probed (the caller settles them then, so progress moves batch by batch). */
export async function probeOpenFiles(t: Triage, engine: YaraEngine, files: OpenFile[], onBatch?: (files: OpenFile[]) => void): Promise<void> {
  const plans = new Map(files.map((f) => [f, wanted(t, f)]));
  let batch: OpenFile[] = [];
  let size = 0;
  const run = async (): Promise<void> => { await probeBatch(engine, batch, plans); onBatch?.(batch); batch = []; size = 0; };
  for (const f of files) {
    if (!plans.get(f)?.length || f.bytes.length > PROBE_BYTES) continue;
    if (size + f.bytes.length > PROBE_BYTES && batch.length) await run();
    batch.push(f);
    size += f.bytes.length + SEPARATOR.length;
  }
  if (batch.length) await run();
}
