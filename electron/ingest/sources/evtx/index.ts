// EVTX source: Windows XML event logs → timeline events, plus the raw XML of one record for the UI.
//
//   parseEvtx(input, ctx)                  the Parser: one TimelineEvent per record (see event.ts for fields); records
//                                          recovered from slack or damaged chunks carry fields.recovered
//   renderRecordXml(chunk, offsetInChunk)  XML text of the record at that offset of a 64 KiB chunk
//   readEvtxRecordXml(path, offset)        same, reading the chunk that holds file offset `offset` (= ref.offset)
import { openEvidence, type EvidencePath } from '../../evidence-open.ts';
import type { Parser } from '../types.ts';
import { newChunkCtx } from './binxml.ts';
import { CHUNK_SIZE, FILE_HEADER_SIZE, chainRecordAt, isFileHeader } from './layout.ts';
import { resolveRecord } from './records.ts';
import { EvtxEventStream } from './stream.ts';
import { TemplateCache } from './templates.ts';
import { elemToXml } from './xml.ts';
import { byteSource } from './values.ts';

export { readEvtxRecords, type EvtxRecord, type Recovered } from './records.ts';
export { recordToEvent } from './event.ts';

/** Templates seen in the logs read so far by this thread (reused only when identical byte for byte). */
let templates = new TemplateCache();

/** Forgets the templates seen so far (a benchmark round then reads its logs as a first pass would). */
export function forgetEvtxTemplates(): void {
  templates = new TemplateCache();
}

export const parseEvtx: Parser = (input, ctx) => ({
  [Symbol.asyncIterator]: () => new EvtxEventStream(input, ctx, templates),
});

/** XML of the record starting at `pos` in `chunk` (the whole 64 KiB chunk: templates live elsewhere in it). */
export function renderRecordXml(chunk: Uint8Array, pos: number): string {
  const src = byteSource(chunk);
  const size = chainRecordAt(chunk, src.view, pos);
  if (!size) throw new Error(`no EVTX record at chunk offset ${pos}`);
  return elemToXml(resolveRecord(newChunkCtx(src), { pos, size }));
}

/** XML of the record at file offset `offset` of the EVTX file at `path` (reads one chunk, read-only, access time kept). */
export async function readEvtxRecordXml(path: EvidencePath, offset: number): Promise<string> {
  const fh = await openEvidence(path);
  try {
    const head = new Uint8Array(8);
    await fh.read(head, 0, 8, 0);
    const base = isFileHeader(head) ? FILE_HEADER_SIZE : 0;
    const chunkStart = base + Math.floor((offset - base) / CHUNK_SIZE) * CHUNK_SIZE;
    const chunk = new Uint8Array(CHUNK_SIZE);
    const { bytesRead } = await fh.read(chunk, 0, CHUNK_SIZE, chunkStart);
    return renderRecordXml(chunk.subarray(0, bytesRead), offset - chunkStart);
  } finally {
    await fh.close();
  }
}
