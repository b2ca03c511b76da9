// The parse workers' CPU per event, without the writer: runs the parse worker's own code (parseFile: read, hash,
// classify, parse, encode, batch) single-threaded over a corpus, and prints CPU µs per event per source type. With
// --stages it also times each stage alone over the same bytes held in memory (hash; split into lines; parse without
// encoding; parse and encode), so a change can be placed. --digest prints a SHA-256 of every batch and warning the
// workers would send, file by file: two builds whose digests match hand the writer the same bytes.
//   node --import tsx bench/parse-only.ts [--evidence DIR | --scale 10] [--rounds 1] [--stages] [--digest]
// (--scale N reads /tmp/loupe-bench/corpus-N/evidence, as `npm run bench -- --scales N --only index` generates it.)
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { BatchWriter } from '../electron/case/event-batch.ts';
import { EventEncoder } from '../electron/case/event-encoder.ts';
import { classify } from '../electron/ingest/classify.ts';
import { MultiHasher } from '../electron/ingest/hash.ts';
import { readLineBatches } from '../electron/ingest/lines.ts';
import { parseFile } from '../electron/ingest/parse-file.ts';
import { parserFor } from '../electron/ingest/sources/index.ts';
import { walkEvidence, type WalkedFile } from '../electron/ingest/walk.ts';

const CHUNK = 1 << 20;

interface Tally { files: number; bytes: number; events: number; cpuUs: number; stages: Map<string, number> }

const cpuUs = (): number => { const c = process.cpuUsage(); return c.user + c.system; };

/** CPU µs of one call (GC and V8's helper threads included: process CPU time). */
async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t = cpuUs();
  await fn();
  return cpuUs() - t;
}

async function* chunksOf(data: Buffer): AsyncIterable<Uint8Array> {
  for (let i = 0; i < data.length; i += CHUNK) yield data.subarray(i, Math.min(data.length, i + CHUNK));
}

/** Each stage alone over the file's bytes in memory: what it costs beyond the stage before it. */
async function stageTimes(file: WalkedFile, data: Buffer): Promise<Map<string, number>> {
  const kind = classify(file.rel, data.subarray(0, CHUNK));
  const entry = parserFor(kind);
  const out = new Map<string, number>();
  out.set('hash', await timed(async () => { const h = new MultiHasher(); for (let i = 0; i < data.length; i += CHUNK) h.update(data.subarray(i, i + CHUNK)); h.digest(); }));
  if (!entry) return out;
  const ctx = { warn: () => {} };
  if (entry.id !== 'evtx') out.set('split lines', await timed(async () => { for await (const b of readLineBatches(chunksOf(data))) void b; }));
  out.set('parse (no encoding)', await timed(async () => { for await (const ev of entry.parse({ rel: file.rel, chunks: chunksOf(data) }, ctx)) void ev; }));
  out.set('parse + encode', await timed(async () => {
    const w = new BatchWriter((2 << 20) + (64 << 10));
    const enc = new EventEncoder(w);
    for await (const ev of entry.parse({ rel: file.rel, chunks: chunksOf(data) }, ctx)) {
      enc.push(ev);
      if (w.rows >= 4096 || w.bytes >= 2 << 20) w.finish();
    }
    enc.flush();
    w.finish();
  }));
  return out;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: {
    evidence: { type: 'string' }, scale: { type: 'string', default: '10' }, rounds: { type: 'string', default: '1' },
    stages: { type: 'boolean' }, digest: { type: 'boolean' },
  } });
  const root = path.resolve(values.evidence ?? path.join(os.tmpdir(), 'loupe-bench', `corpus-${values.scale}`, 'evidence'));
  const files = walkEvidence(root, () => {}).sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
  const digest = crypto.createHash('sha256');
  for (let round = 1; round <= Number(values.rounds); round++) {
    const tally = new Map<string, Tally>();
    for (const f of files) {
      // batches and warnings hashed apart: the case keeps them apart (when a warning comes between two batches is not stored)
      const file = crypto.createHash('sha256');
      const warned = crypto.createHash('sha256');
      const t = cpuUs();
      const r = await parseFile({ abs: f.abs, rel: f.rel, size: f.size, mtime: f.mtime }, {
        batch: (b) => { if (values.digest) file.update(b.buf).update(JSON.stringify(b.layouts)).update(String(b.rows)); },
        warn: (w) => { if (values.digest) warned.update(JSON.stringify(w)); },
        progress: () => {},
      });
      const us = cpuUs() - t;
      const key = r.parser ?? 'other (hashed only)';
      const s = tally.get(key) ?? { files: 0, bytes: 0, events: 0, cpuUs: 0, stages: new Map() };
      s.files++; s.bytes += r.bytes; s.events += r.events; s.cpuUs += us;
      if (values.stages && r.parser) {
        for (const [k, v] of await stageTimes(f, fs.readFileSync(typeof f.abs === 'string' ? f.abs : Buffer.from(f.abs)))) s.stages.set(k, (s.stages.get(k) ?? 0) + v);
      }
      tally.set(key, s);
      if (values.digest && round === 1) digest.update(`${f.rel}\0${r.events}\0${JSON.stringify(r.hashes)}\0`).update(file.digest()).update(warned.digest());
    }
    print(round, tally, values.stages === true);
  }
  if (values.digest) console.log(`output digest (batches, layouts, warnings, hashes): ${digest.digest('hex')}`);
}

function print(round: number, tally: Map<string, Tally>, stages: boolean): void {
  const rows = [...tally].sort((a, b) => b[1].cpuUs - a[1].cpuUs);
  const all = rows.reduce((n, [, s]) => ({ files: n.files + s.files, bytes: n.bytes + s.bytes, events: n.events + s.events, cpuUs: n.cpuUs + s.cpuUs }), { files: 0, bytes: 0, events: 0, cpuUs: 0 });
  console.log(`\nround ${round}: parse worker code, single-threaded, no writer (CPU = process user+sys, GC included)`);
  const line = (name: string, s: Omit<Tally, 'stages'>): string => `  ${name.padEnd(22)} ${String(s.files).padStart(5)} files ${(s.bytes / 1e6).toFixed(1).padStart(8)} MB `
    + `${s.events.toLocaleString('en-US').padStart(10)} events ${(s.cpuUs / 1e6).toFixed(2).padStart(7)} s CPU `
    + `${s.events ? (s.cpuUs / s.events).toFixed(2).padStart(7) : '      -'} µs/event`;
  for (const [k, s] of rows) {
    console.log(line(k, s));
    if (stages && s.stages.size) console.log(`      stages alone (in memory): ${[...s.stages].map(([n, us]) => `${n} ${s.events ? (us / s.events).toFixed(2) : '-'} µs/ev`).join(', ')}`);
  }
  console.log(line('ALL', all));
}

await main();
