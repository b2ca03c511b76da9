// Messages between the index coordinator and the parse workers.
import type { FileKind, IngestWarning, ParseOutcome } from '../../shared/types.ts';
import type { EventBatch } from '../case/event-batch.ts';
import type { FileHashes } from './hash.ts';

/** abs: a string, or the exact bytes of a path that is not valid UTF-8; size/mtime (µs): as the walk listed the file. */
export interface ParseTask { type: 'task'; taskId: number; abs: string | Uint8Array; rel: string; host?: string; size?: number; mtime?: number }
export interface AckMessage { type: 'ack'; taskId: number }
export type ToWorker = ParseTask | AckMessage | { type: 'stop' };

export type FromWorker =
  | { type: 'batch'; taskId: number; batch: EventBatch }
  | { type: 'warn'; taskId: number; warning: IngestWarning }
  | { type: 'progress'; taskId: number; bytes: number }
  | { type: 'done'; taskId: number; kind: FileKind; parser: string | null; hashes: FileHashes | null; bytes: number; events: number; error: string | null; outcome?: ParseOutcome };
