// File-system times of every evidence file as timeline events, so dropped web shells land on the timeline.
import type { TimelineEvent } from '../../shared/types.ts';
import type { WalkedFile } from './walk.ts';

/**
 * A birth time later than the modification time is the copy's own (the evidence copy was created then; copy tools
 * keep the modification time): labelled so, and kept out of the timeline's default range.
 */
export const COPY_CREATED = 'File Created (copy)';

export function filesystemEvents(f: WalkedFile, origPath: string, sha256: string | null): TimelineEvent[] {
  const fields = { path: origPath, size: f.size, sha256 };
  const mk = (ts: number, tsDesc: string, note = ''): TimelineEvent => ({
    ts, tsDesc, source: 'filesystem', message: `${tsDesc}: ${origPath} (${f.size} bytes)${note}`, fields, ref: { file: f.rel },
  });
  const out = [mk(f.mtime, 'File Modified'), mk(f.atime, 'File Accessed')];
  if (f.btime !== null) {
    out.push(f.btime > f.mtime
      ? mk(f.btime, COPY_CREATED, ' — when the evidence copy was made, not when the original was created')
      : mk(f.btime, 'File Created'));
  }
  return out;
}
