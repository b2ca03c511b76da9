// Shared test helpers for the parser tests: sample paths, chunk feeders and a collector.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { IngestWarning, TimelineEvent } from '../../../shared/types.ts';
import type { Parser } from '../../../electron/ingest/sources/types.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, '../../..');

/** A file under ../shared/data (public test data beside the repository; never copied into it). */
export const sharedData = (rel: string): string => path.resolve(repoRoot, '../shared/data', rel);
export const sample = (name: string): string => path.join(here, 'samples', name);

/** Feeds bytes in fixed-size chunks (small sizes exercise lines and BOMs split across chunks). */
export async function* chunksOf(bytes: Uint8Array, size: number): AsyncIterable<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, Math.min(bytes.length, i + size));
}

export function fileChunks(file: string, size = 64 * 1024): AsyncIterable<Uint8Array> {
  return fs.createReadStream(file, { highWaterMark: size });
}

export interface Collected {
  events: TimelineEvent[];
  warnings: Omit<IngestWarning, 'file'>[];
}

/** Runs a parser over a file (or bytes) and collects its events and warnings. */
export async function collect(parse: Parser, rel: string, src: string | Uint8Array, chunkSize = 64 * 1024, host?: string): Promise<Collected> {
  const warnings: Omit<IngestWarning, 'file'>[] = [];
  const chunks = typeof src === 'string' ? fileChunks(src, chunkSize) : chunksOf(src, chunkSize);
  const events: TimelineEvent[] = [];
  for await (const ev of parse({ rel, chunks, host }, { warn: (w) => warnings.push(w) })) events.push(ev);
  return { events, warnings };
}
