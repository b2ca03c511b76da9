// Batched YARA scanning with the WASM engine: files are concatenated into batches and probed in one engine call
// (yara-plan.ts); each file is then scanned alone, with only the rules its gates allow, or not at all.
import type { YaraEngine, YaraMatch } from './yara.ts';
import { isCandidate, subsetSource } from './yara-plan.ts';
import type { ScanPlan } from './yara-plan.ts';

/** Bytes per probe batch (one engine call each). */
export const BATCH_BYTES = 8 * 1024 * 1024;
/** Between files: no word character, so `fullword` behaves as at a file's edge; cross-file hits only add scans. */
const SEPARATOR = new Uint8Array(16).fill(0x0a);
/** A probe string matching this often may hit YARA's per-string match limit: the batch is then probed in halves. */
const MATCH_FLOOD = 10_000;

export interface ScanItem { key: number; bytes: Uint8Array }
/** Per item key: the rules whose own probe strings touched it. */
type Hits = Map<number, Set<string>>;

function concat(items: ScanItem[]): { buf: Uint8Array; starts: number[] } {
  const total = items.reduce((n, it) => n + it.bytes.length + SEPARATOR.length, 0);
  const buf = new Uint8Array(total);
  const starts: number[] = [];
  let at = 0;
  for (const it of items) { starts.push(at); buf.set(it.bytes, at); at += it.bytes.length; buf.set(SEPARATOR, at); at += SEPARATOR.length; }
  return { buf, starts };
}

function mark(hits: Hits, key: number, rule: string): void {
  let s = hits.get(key);
  if (!s) hits.set(key, (s = new Set()));
  s.add(rule);
}

/** Probes one batch; a flooded or failed probe is retried on each half, down to single files (then: every rule). */
async function probeBatch(engine: YaraEngine, items: ScanItem[], plan: ScanPlan, probe: string, hits: Hits): Promise<void> {
  const { buf, starts } = concat(items);
  const { matches, errors } = await engine.run(buf, probe);
  if (errors.some((e) => !e.warning) || matches.some((m) => m.strings.length >= MATCH_FLOOD)) {
    if (items.length === 1) { for (const r of plan.probeOf.values()) mark(hits, items[0].key, r); return; }
    const half = Math.ceil(items.length / 2);
    await probeBatch(engine, items.slice(0, half), plan, probe, hits);
    await probeBatch(engine, items.slice(half), plan, probe, hits);
    return;
  }
  for (const m of matches) {
    const rule = plan.probeOf.get(m.rule);
    if (!rule) continue;
    for (const s of m.strings) {
      const from = s.offset;
      const to = s.offset + Math.max(1, s.length);
      // Files are in offset order: binary-search the first file whose span ends after `from`.
      let lo = 0;
      let hi = items.length - 1;
      while (lo < hi) { const mid = (lo + hi) >> 1; if (starts[mid] + items[mid].bytes.length + SEPARATOR.length <= from) lo = mid + 1; else hi = mid; }
      for (let i = lo; i < items.length && starts[i] < to; i++) mark(hits, items[i].key, rule);
    }
  }
}

async function probeAll(engine: YaraEngine, items: ScanItem[], plan: ScanPlan): Promise<Hits> {
  const hits: Hits = new Map();
  if (!plan.probe) return hits;
  let batch: ScanItem[] = [];
  let size = 0;
  for (const it of items) {
    if (size + it.bytes.length > BATCH_BYTES && batch.length) { await probeBatch(engine, batch, plan, plan.probe, hits); batch = []; size = 0; }
    batch.push(it);
    size += it.bytes.length + SEPARATOR.length;
  }
  if (batch.length) await probeBatch(engine, batch, plan, plan.probe, hits);
  return hits;
}

/** Scans items (each with its full bytes); returns the matches of every item that matched anything. Without a plan
 *  (a source the planner does not understand) every item is scanned with the whole source. */
export async function scanItems(engine: YaraEngine, items: ScanItem[], rules: string, plan: ScanPlan | null): Promise<Map<number, YaraMatch[]>> {
  const out = new Map<number, YaraMatch[]>();
  const hits = plan ? await probeAll(engine, items, plan) : new Map<number, Set<string>>();
  for (const it of items) {
    let source = rules;
    if (plan) {
      const memo = new Map<string, boolean>();
      const candidates = plan.rules.filter((r) => !r.isPrivate && isCandidate(plan, r.name, it.bytes, hits.get(it.key), memo)).map((r) => r.name);
      if (!candidates.length) continue;
      source = subsetSource(plan, candidates);
    }
    const { matches } = await engine.run(it.bytes, source);
    if (matches.length) out.set(it.key, matches);
  }
  return out;
}
