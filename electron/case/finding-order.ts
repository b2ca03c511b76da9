// The order findings are listed in everywhere (the Findings view, `loupe findings`, the report): most severe first;
// within a severity the intrusion stories (the answer to "was I hit, and what did they do"), then by confidence —
// a confirmed finding above one that needs review — then by time.
export const FINDING_ORDER = `CASE severity WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2 WHEN 'low' THEN 3 ELSE 4 END,
  check_id != 'story', CASE confidence WHEN 'confirmed' THEN 0 WHEN 'likely' THEN 1 WHEN 'review' THEN 2 WHEN 'info' THEN 3 ELSE 4 END,
  time IS NULL, time, id`;
