// Batched YARA scanning: with a probe (yara-prefilter.ts), files are concatenated into batches and probed in one
// engine call; only files a probe string touched get the full per-file scan. Without one, every file is scanned.
import type { YaraEngine, YaraMatch } from './yara.ts';

/** Bytes per probe batch (one engine call each). */
export const BATCH_BYTES = 8 * 1024 * 1024;
/** Between files: no word character, so `fullword` behaves as at a file's edge; cross-file hits only add scans. */
const SEPARATOR = new Uint8Array(16).fill(0x0a);
/** A probe string matching this often may hit YARA's per-string match limit: then the whole batch is scanned in full. */
const MATCH_FLOOD = 10_000;

export interface ScanItem { key: number; bytes: Uint8Array }

async function probeBatch(engine: YaraEngine, items: ScanItem[], probe: string): Promise<Set<number>> {
  const total = items.reduce((n, it) => n + it.bytes.length + SEPARATOR.length, 0);
  const buf = new Uint8Array(total);
  const starts: number[] = [];
  let at = 0;
  for (const it of items) { starts.push(at); buf.set(it.bytes, at); at += it.bytes.length; buf.set(SEPARATOR, at); at += SEPARATOR.length; }
  const { matches, errors } = await engine.run(buf, probe);
  const hit = new Set<number>();
  if (errors.some((e) => !e.warning) || matches.some((m) => m.strings.length >= MATCH_FLOOD)) {
    items.forEach((it) => hit.add(it.key));
    return hit;
  }
  for (const m of matches) for (const s of m.strings) {
    const from = s.offset;
    const to = s.offset + Math.max(1, s.length);
    items.forEach((it, i) => { if (from < starts[i] + it.bytes.length + SEPARATOR.length && to > starts[i]) hit.add(it.key); });
  }
  return hit;
}

/** Scans items (each with its full bytes); returns the matches of every item that matched anything. */
export async function scanItems(engine: YaraEngine, items: ScanItem[], rules: string, probe: string | null): Promise<Map<number, YaraMatch[]>> {
  const out = new Map<number, YaraMatch[]>();
  let todo = items;
  if (probe && items.length > 1) {
    const hit = new Set<number>();
    let batch: ScanItem[] = [];
    let size = 0;
    const flush = async (): Promise<void> => {
      if (batch.length) for (const k of await probeBatch(engine, batch, probe)) hit.add(k);
      batch = [];
      size = 0;
    };
    for (const it of items) {
      if (size + it.bytes.length > BATCH_BYTES) await flush();
      batch.push(it);
      size += it.bytes.length + SEPARATOR.length;
    }
    await flush();
    todo = items.filter((it) => hit.has(it.key));
  }
  for (const it of todo) {
    const { matches } = await engine.run(it.bytes, rules);
    if (matches.length) out.set(it.key, matches);
  }
  return out;
}
