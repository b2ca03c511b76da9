// EVTX source: Windows XML event logs → timeline events, plus the raw XML of one record for the UI.
//
//   parseEvtx(input, ctx)                  the Parser: one TimelineEvent per record (see event.ts for fields)
//   renderRecordXml(chunk, offsetInChunk)  XML text of the record at that offset of a 64 KiB chunk
//   readEvtxRecordXml(path, offset)        same, reading the chunk that holds file offset `offset` (= ref.offset)
import { openEvidence, type EvidencePath } from '../../evidence-open.ts';
import type { Parser } from '../types.ts';
import { newChunkCtx } from './binxml.ts';
import { recordToEvent } from './event.ts';
import { CHUNK_SIZE, FILE_HEADER_SIZE, isFileHeader, recordAt } from './layout.ts';
import { readEvtxRecords, resolveRecord } from './records.ts';
import { elemToXml } from './xml.ts';
import { byteSource } from './values.ts';

export { readEvtxRecords, type EvtxRecord } from './records.ts';
export { recordToEvent } from './event.ts';

export const parseEvtx: Parser = async function* parseEvtx(input, ctx) {
  const warn = (offset: number, message: string) => ctx.warn({ offset, message: `evtx: ${message}` });
  for await (const rec of readEvtxRecords(input.chunks, warn, ctx.signal)) {
    yield recordToEvent(rec, input.rel, input.host);
  }
};

/** XML of the record starting at `pos` in `chunk` (the whole 64 KiB chunk: templates live elsewhere in it). */
export function renderRecordXml(chunk: Uint8Array, pos: number): string {
  const src = byteSource(chunk);
  const slice = recordAt(chunk, src.view, pos);
  if (!slice) throw new Error(`no EVTX record at chunk offset ${pos}`);
  return elemToXml(resolveRecord(newChunkCtx(src), slice));
}

/** XML of the record at file offset `offset` of the EVTX file at `path` (reads one chunk, read-only). */
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
