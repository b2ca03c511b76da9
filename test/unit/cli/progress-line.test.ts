// `loupe index`'s progress line while detections run (issue 10 item 4): the bar follows the YARA scan (files scanned /
// to scan), not the finished indexing's 100%, and no ETA is shown until the scan has a rate.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { progressLine } from '../../../electron/cli/index-command.ts';
import type { IndexProgress } from '../../../shared/api.ts';

const base: IndexProgress = { phase: 'indexing', filesTotal: 10, filesDone: 10, bytesTotal: 4096, bytesDone: 4096, events: 1234, warnings: 0,
  etaSeconds: 0, startedAt: null, finishedAt: null, error: null, currentFile: null };

test('during detections the line shows the YARA scan: files and bytes scanned of to scan, its share, and its ETA once known', () => {
  assert.match(progressLine(base), /\] 100% indexing files 10\/10 4\.0 KB\/4\.0 KB events 1,234 warnings 0 ETA 0m00s$/);
  const detecting: IndexProgress = { ...base, phase: 'detecting', etaSeconds: null, detect: { filesDone: 0, filesTotal: 8, bytesDone: 0, bytesTotal: 2048, engine: null } };
  assert.match(progressLine(detecting), /^\[\.{24}\] 0% detecting YARA scan files 0\/8 0 B\/2\.0 KB events 1,234 warnings 0$/);
  const half = { ...detecting, etaSeconds: 75, detect: { ...detecting.detect!, filesDone: 4, bytesDone: 1024 } };
  assert.match(progressLine(half), /^\[#{12}\.{12}\] 50% detecting YARA scan files 4\/8 1\.0 KB\/2\.0 KB .* ETA 1m15s$/);
});
