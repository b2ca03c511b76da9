// SHA-256 over every event (fields built), warning and per-file outcome the EVTX parser gives on the shared logs
// (../shared/data/evtx and evtx-hard): a speed change must leave it unchanged. Compare two trees by pointing at the other
// one's parser:  npx tsx bench/evtx-digest.ts [path/to/electron/ingest/sources/evtx/index.ts]   (PERFILE=1: per log)
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { TimelineEvent } from '../shared/types.ts';
import type { Parser } from '../electron/ingest/sources/types.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DIRS = ['evtx', 'evtx-hard'].map((d) => path.resolve(repoRoot, '../shared/data', d));

async function* pieces(bytes: Uint8Array, size = 1 << 20): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

/** The event as a plain object, in the key order events had before fields were packed (so digests stay comparable). */
const plain = (e: TimelineEvent): unknown => ({ ts: e.ts, tsDesc: e.tsDesc, source: e.source, host: e.host, message: e.message, fields: e.fields, ref: e.ref });

async function digestFile(parse: Parser, file: string): Promise<{ events: number; digest: string }> {
  const h = crypto.createHash('sha256');
  let events = 0;
  const ctx = { warn: (w: unknown) => { h.update(`W${JSON.stringify(w)}\n`); }, outcome: (o: unknown) => { h.update(`O${JSON.stringify(o)}\n`); } };
  for await (const e of parse({ rel: path.basename(file), chunks: pieces(new Uint8Array(fs.readFileSync(file))) }, ctx)) {
    events++;
    h.update(`${JSON.stringify(plain(e))}\n`);
  }
  return { events, digest: h.digest('hex') };
}

const modulePath = process.argv[2] ? path.resolve(process.argv[2]) : path.join(repoRoot, 'electron/ingest/sources/evtx/index.ts');
const { parseEvtx } = (await import(pathToFileURL(modulePath).href)) as { parseEvtx: Parser };
const files = DIRS.filter((d) => fs.existsSync(d)).flatMap((d) => fs.readdirSync(d).filter((f) => f.endsWith('.evtx')).sort().map((f) => path.join(d, f)));
if (!files.length) throw new Error(`no shared EVTX logs at ${DIRS.join(', ')}`);
const all = crypto.createHash('sha256');
let total = 0;
for (const f of files) {
  const r = await digestFile(parseEvtx, f);
  all.update(r.digest);
  total += r.events;
  if (process.env.PERFILE) console.log(path.basename(f), r.events, r.digest.slice(0, 16));
}
console.log(`${files.length} logs, ${total} events: digest ${all.digest('hex')}`);
