// The case writer's CPU per event, without the parse workers: parses a corpus once into the batches the workers would
// send (held in memory, untimed), then writes them into a fresh case on this one thread as an index run does (indexes
// dropped during the load, transactions of CaseWriter's size), and prints CPU µs per event for the inserts, the
// commits and the index builds. Rounds write into a new case each time.
//   node --import tsx bench/write-only.ts [--evidence DIR | --scale 10] [--rounds 2] [--out DIR]
// (--scale N reads /tmp/loupe-bench/corpus-N/evidence, as `npm run bench -- --scales N --only index` generates it.)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { closeCaseDb, openCaseDb } from '../electron/case/db.ts';
import type { EventBatch } from '../electron/case/event-batch.ts';
import { dropEventIndexes, ensureEventIndexes } from '../electron/case/indexes.ts';
import { CaseWriter } from '../electron/ingest/case-writer.ts';
import { parseFile } from '../electron/ingest/parse-file.ts';
import { walkEvidence } from '../electron/ingest/walk.ts';

const cpuUs = (): number => { const c = process.cpuUsage(); return c.user + c.system; };

interface ParsedFile { rel: string; batches: EventBatch[] }

async function parseAll(root: string): Promise<{ files: ParsedFile[]; events: number }> {
  const walked = walkEvidence(root, () => {}).sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
  const files: ParsedFile[] = [];
  let events = 0;
  for (const f of walked) {
    const batches: EventBatch[] = [];
    const r = await parseFile({ abs: f.abs, rel: f.rel, size: f.size, mtime: f.mtime }, { batch: (b) => { batches.push(b); }, warn: () => {}, progress: () => {} });
    events += r.events;
    if (batches.length) files.push({ rel: f.rel, batches });
  }
  return { files, events };
}

/** One load into a fresh case: CPU µs for the inserts, the commits and the index builds. */
function writeRound(casePath: string, files: ParsedFile[]): { insert: number; commit: number; indexes: number } {
  for (const suffix of ['', '-wal', '-shm']) fs.rmSync(casePath + suffix, { force: true });
  const db = openCaseDb(casePath, { create: true });
  db.pragma('cache_size = -32768');
  db.pragma('synchronous = OFF');
  dropEventIndexes(db);
  const source = db.prepare("INSERT INTO evidence_sources (root, label, added_at) VALUES ('/bench', 'bench', '')").run().lastInsertRowid;
  const fileId = Number(db.prepare("INSERT INTO files (source_id, rel_path, orig_path, size, kind, state) VALUES (?, 'bench', 'bench', 0, 'log', 'done')")
    .run(source).lastInsertRowid);
  const writer = new CaseWriter(db);
  const spent = { insert: 0, commit: 0, indexes: 0 };
  let scope = 0;
  for (const f of files) {
    scope++;
    for (const b of f.batches) {
      const t = cpuUs();
      writer.batch(b, scope, fileId);
      spent.insert += cpuUs() - t;
    }
    writer.endScope(scope);
  }
  let t = cpuUs();
  writer.commit();
  spent.commit += cpuUs() - t;
  t = cpuUs();
  ensureEventIndexes(db);
  spent.indexes += cpuUs() - t;
  closeCaseDb(db);
  return spent;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: {
    evidence: { type: 'string' }, scale: { type: 'string', default: '10' }, rounds: { type: 'string', default: '2' }, out: { type: 'string' },
  } });
  const root = path.resolve(values.evidence ?? path.join(os.tmpdir(), 'loupe-bench', `corpus-${values.scale}`, 'evidence'));
  if (!fs.existsSync(root)) throw new Error(`no evidence at ${root}: generate it with \`npm run bench -- --scales ${values.scale} --only index\` or pass --evidence DIR`);
  const out = path.resolve(values.out ?? fs.mkdtempSync(path.join(os.tmpdir(), 'loupe-write-')));
  fs.mkdirSync(out, { recursive: true });
  const { files, events } = await parseAll(root);
  if (!events) throw new Error(`no events parsed from ${root}`);
  console.log(`${events.toLocaleString('en-US')} events in ${files.length} files parsed into memory (untimed); load ${os.loadavg()[0].toFixed(1)}`);
  for (let round = 1; round <= Number(values.rounds); round++) {
    const s = writeRound(path.join(out, 'write-only.loupe'), files);
    const us = (n: number): string => `${(n / 1e6).toFixed(2)} s (${(n / events).toFixed(2)} µs/event)`;
    console.log(`round ${round}: inserts ${us(s.insert)}, final commit ${us(s.commit)}, index builds ${us(s.indexes)}, all ${us(s.insert + s.commit + s.indexes)}; load ${os.loadavg()[0].toFixed(1)}`);
  }
  fs.rmSync(out, { recursive: true, force: true });
}

await main();
