// File-system times of every evidence file as timeline events, so dropped web shells land on the timeline.
import type { TimelineEvent } from '../../shared/types.ts';
import type { WalkedFile } from './walk.ts';

export function filesystemEvents(f: WalkedFile, origPath: string, sha256: string | null): TimelineEvent[] {
  const fields = { path: origPath, size: f.size, sha256 };
  const mk = (ts: number, tsDesc: string): TimelineEvent => ({
    ts, tsDesc, source: 'filesystem', message: `${tsDesc}: ${origPath} (${f.size} bytes)`, fields, ref: { file: f.rel },
  });
  const out = [mk(f.mtime, 'File Modified'), mk(f.atime, 'File Accessed')];
  if (f.btime !== null) out.push(mk(f.btime, 'File Created'));
  return out;
}
