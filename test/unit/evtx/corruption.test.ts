// Damaged input: 1,200 seeded variants of real logs (bit flips, zeroed ranges, overwritten bytes, truncation,
// targeted record/chunk header damage). The parser must never throw, must stop, must warn with an offset about
// damage in checksummed areas, and must still yield every record whose bytes (and the chunk bytes before it) are intact.
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TimelineEvent } from '../../../shared/types.ts';
import { readEvtxRecords } from '../../../electron/ingest/sources/evtx/index.ts';
import { DATA_MISSING, evtxDir, haveData, parseBytes, pieces, readOracle } from './support.ts';

const VARIANTS = 1200;
const FILE_HEADER = 4096;
const CHUNK = 65536;

/** mulberry32: small, seeded, deterministic. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Base {
  name: string;
  bytes: Uint8Array;
  clean: Map<number, TimelineEvent>;
  records: { offset: number; size: number }[];
  /** Used chunks: file offset and free-space offset (end of records). */
  chunks: { start: number; free: number }[];
}

async function loadBase(name: string): Promise<Base> {
  const file = new Uint8Array(fs.readFileSync(path.join(evtxDir, name)));
  // Only the used chunks: the empty preallocated tail adds time, not coverage.
  const bytes = file.slice(0, FILE_HEADER + new DataView(file.buffer).getUint16(42, true) * CHUNK);
  const { events, warnings } = await parseBytes(bytes, name);
  assert.deepEqual(warnings, []);
  const records: Base['records'] = [];
  // The live records: a damaged variant may expose slack copies that the clean file does not repeat.
  for await (const r of readEvtxRecords(pieces(bytes), () => {})) if (r.recovered === null) records.push({ offset: r.offset, size: r.size });
  const view = new DataView(bytes.buffer);
  const count = view.getUint16(42, true);
  const chunks = Array.from({ length: count }, (_, i) => {
    const start = FILE_HEADER + i * CHUNK;
    return { start, free: view.getUint32(start + 48, true) };
  });
  return { name, bytes, clean: new Map(events.map((e) => [e.ref.offset!, e])), records, chunks };
}

type Mutation = (b: Uint8Array, base: Base, rnd: () => number) => Uint8Array;
const pick = <T>(xs: T[], rnd: () => number): T => xs[Math.floor(rnd() * xs.length)];
/** An offset inside the used part of the file (header or a chunk's records) most of the time, anywhere otherwise. */
const usedOffset = (base: Base, rnd: () => number, len: number) => {
  if (rnd() < 0.2) return Math.floor(rnd() * len);
  if (rnd() < 0.1) return Math.floor(rnd() * 128);
  const c = pick(base.chunks, rnd);
  return c.start + Math.floor(rnd() * c.free);
};

const MUTATIONS: [string, Mutation][] = [
  ['flip bits', (b, base, rnd) => {
    for (let n = 1 + Math.floor(rnd() * 4); n > 0; n--) b[usedOffset(base, rnd, b.length)] ^= 1 << Math.floor(rnd() * 8);
    return b;
  }],
  ['zero a range', (b, base, rnd) => {
    const at = usedOffset(base, rnd, b.length);
    b.fill(0, at, Math.min(b.length, at + 1 + Math.floor(rnd() * 2048)));
    return b;
  }],
  ['overwrite with noise', (b, base, rnd) => {
    const at = usedOffset(base, rnd, b.length);
    for (let i = at; i < Math.min(b.length, at + 1 + Math.floor(rnd() * 64)); i++) b[i] = Math.floor(rnd() * 256);
    return b;
  }],
  ['truncate', (b, base, rnd) => b.slice(0, rnd() < 0.7 ? usedOffset(base, rnd, b.length) : Math.floor(rnd() * b.length))],
  ['damage a record header', (b, base, rnd) => {
    const r = pick(base.records, rnd);
    const at = r.offset + Math.floor(rnd() * 8);
    b[at] ^= 1 + Math.floor(rnd() * 255);
    return b;
  }],
  ['damage a chunk header', (b, base, rnd) => {
    const c = pick(base.chunks, rnd);
    b[c.start + Math.floor(rnd() * 128)] ^= 1 + Math.floor(rnd() * 255);
    return b;
  }],
];

/** The event without its recovered mark. */
function unmarked(e: TimelineEvent): TimelineEvent {
  const { recovered: _, ...fields } = e.fields;
  return { ...e, fields };
}

function changedOffsets(a: Uint8Array, b: Uint8Array): number[] {
  const out: number[] = [];
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) out.push(i);
  return out;
}

/** Damage the parser must notice: checksummed bytes of the file header or of a used chunk, or lost record bytes. */
function expectedWarningRange(base: Base, changed: number[], length: number): [number, number] | null {
  for (const at of changed) {
    if (at < 120 || (at >= 124 && at < 128)) return [0, 0];
    const c = base.chunks.find((ch) => at >= ch.start && at < ch.start + CHUNK);
    if (c && (at < c.start + 120 || (at >= c.start + 124 && at < c.start + c.free))) return [c.start, c.start + CHUNK - 1];
  }
  const lastEnd = Math.max(...base.chunks.map((c) => c.start + c.free));
  if (length < lastEnd) return [0, Number.MAX_SAFE_INTEGER];
  return null;
}

const BASE_FILES = [
  'Execution__exec_sysmon_webshell_w3wp_enum.evtx',
  'Privilege_Escalation__System_7045_namedpipe_privesc.evtx',
  'Credential_Access__tutto_malseclogon.evtx',
  'Credential_Access__MSSQL_multiple_failed_logon_EventID_18456.evtx',
  'Other__exec_emotet_ps_800_new-object.evtx',
  'Lateral_Movement__LM_ScheduledTask_ATSVC_target_host.evtx',
  'Defense_Evasion__DE_1102_security_log_cleared.evtx',
  'Credential_Access__etw_rpc_zerologon.evtx',
];

test(`${VARIANTS} seeded corruptions of real logs: no throw, bounded, warned with offsets, intact records kept`, { timeout: 300_000 }, async (t) => {
  if (!haveData()) return t.skip(DATA_MISSING);
  const oracle = readOracle();
  const bases = await Promise.all(BASE_FILES.filter((f) => oracle.has(f)).map(loadBase));
  const rnd = prng(0x10e5e);
  const tally = new Map<string, number>();
  let keptChecked = 0;
  for (let v = 0; v < VARIANTS; v++) {
    const base = bases[v % bases.length];
    const [kind, mutate] = pick(MUTATIONS, rnd);
    const bytes = mutate(base.bytes.slice(), base, rnd);
    const label = `variant ${v} (${kind}) of ${base.name}`;
    let result;
    try {
      result = await parseBytes(bytes, base.name, 256 + Math.floor(rnd() * 70000));
    } catch (e) {
      assert.fail(`${label}: parser threw ${(e as Error).stack}`);
    }
    const { events, warnings } = result;
    tally.set(kind, (tally.get(kind) ?? 0) + 1);
    assert.ok(events.length <= Math.ceil(bytes.length / 32), `${label}: ${events.length} events is more than the bytes allow`);
    for (const w of warnings) {
      assert.equal(typeof w.message, 'string');
      assert.ok(Number.isInteger(w.offset) && w.offset! >= 0 && w.offset! <= base.bytes.length, `${label}: warning offset ${w.offset}`);
    }
    const changed = changedOffsets(base.bytes, bytes);
    const range = expectedWarningRange(base, changed, bytes.length);
    if (range) {
      assert.ok(warnings.some((w) => w.offset! >= range[0] && w.offset! <= range[1]),
        `${label}: damage at ${changed.slice(0, 3)} (length ${bytes.length}) but no warning in [${range}]: ${JSON.stringify(warnings)}`);
    }
    const byOffset = new Map(events.map((e) => [e.ref.offset!, e]));
    for (const r of base.records) {
      const chunkStart = FILE_HEADER + Math.floor((r.offset - FILE_HEADER) / CHUNK) * CHUNK;
      const end = r.offset + r.size;
      if (end > bytes.length || changed.some((at) => at >= chunkStart + 512 && at < end)) continue;
      const got = byOffset.get(r.offset);
      assert.deepEqual(got && unmarked(got), base.clean.get(r.offset), `${label}: intact record at ${r.offset} not yielded as before`);
      // Only damage to its chunk's header may make an intact record a recovered one.
      if (!changed.some((at) => at >= chunkStart && at < chunkStart + 512)) assert.equal(got!.fields.recovered, undefined, `${label}: ${r.offset} marked`);
      keptChecked++;
    }
  }
  assert.equal([...tally.values()].reduce((a, b) => a + b, 0), VARIANTS);
  assert.ok(keptChecked > VARIANTS, `intact records compared: ${keptChecked}`);
});
