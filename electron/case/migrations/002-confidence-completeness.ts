// Migration 2: how sure Loupe is, and whether the case is complete (issue 9).
//  - findings.confidence / confidence_reason: confirmed | likely | review | info and its one-line reason (NULL for
//    findings written before confidence existed: those detections read as outdated until the next run);
//  - evidence_sources.unreachable_at: set when the last index run could not reach the folder, cleared when it could;
//  - file-system "File Created" events whose time is later than the file's modification time are the evidence copy's
//    birth time (the copy was made then), not the original's: relabelled so the timeline can keep them apart.
export const version = 2;

export const sql = `
ALTER TABLE findings ADD COLUMN confidence TEXT;
ALTER TABLE findings ADD COLUMN confidence_reason TEXT;
ALTER TABLE evidence_sources ADD COLUMN unreachable_at TEXT;
UPDATE events SET ts_desc = 'File Created (copy)'
  WHERE source = 'filesystem' AND ts_desc = 'File Created'
    AND ts > (SELECT f.mtime FROM files f WHERE f.id = events.file_id);
`;
