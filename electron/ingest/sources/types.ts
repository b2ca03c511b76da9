// The one interface every source format implements. Parsers are pure: no database, no Electron.
import type { IngestWarning, ParseOutcome, TimelineEvent } from '../../../shared/types.ts';

export interface SourceInput {
  /** Evidence-relative POSIX path (goes into every event's ref.file). */
  rel: string;
  /** The file's bytes, in order, as the ingest reads them once (the same read feeds the hashers). */
  chunks: AsyncIterable<Uint8Array>;
  /** Size in bytes, when known. */
  size?: number;
  /** Host name, when the ingest knows it (e.g. from the evidence folder); parsers may find their own. */
  host?: string;
}

export interface ParseContext {
  /** Record a problem with this input; parsing goes on. `file` defaults to the input's rel path. */
  warn(w: Omit<IngestWarning, 'file'> & { file?: string }): void;
  /** Set when the user cancels; a parser should stop at the next convenient point. */
  readonly signal?: AbortSignal;
  /** Called once at the end by parsers that can say how much of the file they read (EVTX). */
  outcome?(o: ParseOutcome): void;
}

export type Parser = (input: SourceInput, ctx: ParseContext) => AsyncIterable<TimelineEvent>;
