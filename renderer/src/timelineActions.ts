// Finding the timeline event behind an evidence ref (file + line or EVTX record).
import type { EventRow } from '../../shared/api.ts';
import { api } from './api.ts';


/** Finds the event read from `file` at `line` (or EVTX `record`); null when it is not in the timeline. */
export async function findEventByRef(file: string, line: string | null, record: string | null): Promise<EventRow | null> {
  return api.findEvent({ file, ...(line !== null ? { line: Number(line) } : {}), ...(record !== null ? { record: Number(record) } : {}) });
}
