// Suspicious files (Test-ProxyLogon's checks, widened): LSASS dumps under C:\root, %WINDIR%\Temp or a web root — by
// name (lsass*.dmp) or, for any other MDMP minidump, by content (its module list names lsass.exe: a renamed LSASS
// dump); ordinary crash dumps (w3wp.dmp) are routine and not reported. .7z/.zip/.rar archives under %ProgramData%
// (HAFNIUM staged stolen data there).
import fs from 'node:fs';
import path from 'node:path';
import { microsToIso } from '../../shared/types.ts';
import { extOf, isWebRoot, normWin } from './paths.ts';
import { writtenAt } from './rows.ts';
import type { FileInfo } from './rows.ts';
import { CHECK } from './types.ts';
import type { PendingFinding } from './types.ts';
import { openEvidenceSync, type EvidencePath } from '../ingest/evidence-open.ts';
import { evidencePath } from '../ingest/walk.ts';

const ARCHIVE_EXTS = ['.7z', '.zip', '.rar'];

/** `C:\root\…` and `C:\Windows\Temp\…` (any drive letter), or a web root. */
export function isDumpFolder(p: string): boolean {
  const n = normWin(p);
  return /^[a-z]:\\root\\/.test(n) || /^[a-z]:\\windows\\temp\\/.test(n) || isWebRoot(p);
}

export const isProgramData = (p: string): boolean => /^[a-z]:\\programdata\\/.test(normWin(p));

/** How much of a minidump is searched for the lsass.exe module name (the module list sits near the start). */
export const MINIDUMP_SCAN_BYTES = 4 * 1024 * 1024;
const LSASS_ASCII = Buffer.from('lsass.exe', 'latin1');
const LSASS_UTF16 = Buffer.from('lsass.exe', 'utf16le');

/** A minidump ("MDMP" magic) of the LSASS process: its first bytes name lsass.exe (ASCII or UTF-16, any case). */
export function isLsassMinidump(abs: EvidencePath): boolean {
  try {
    const fd = openEvidenceSync(abs);
    try {
      const b = Buffer.alloc(MINIDUMP_SCAN_BYTES);
      const n = fs.readSync(fd, b, 0, b.length, 0);
      if (n < 4 || b.toString('latin1', 0, 4) !== 'MDMP') return false;
      const lower = Buffer.from(b.subarray(0, n).toString('latin1').toLowerCase(), 'latin1');
      return lower.includes(LSASS_ASCII) || lower.includes(LSASS_UTF16);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return false;
  }
}

function fileFinding(check: string, f: FileInfo, title: string, severity: 'critical' | 'high'): PendingFinding {
  const t = writtenAt(f);
  return {
    finding: { check, severity, title, path: f.origPath, time: t === null ? null : microsToIso(t), sha256: f.sha256, evidence: [{ file: f.relPath }] },
    fileId: f.id,
  };
}

export function checkSuspiciousFiles(files: FileInfo[], evidenceRoots: Map<number, string>): PendingFinding[] {
  const out: PendingFinding[] = [];
  for (const f of files) {
    const name = (f.origPath.split(/[\\/]/).pop() ?? '').toLowerCase();
    if (isDumpFolder(f.origPath)) {
      const byName = name.startsWith('lsass') && extOf(name) === '.dmp';
      const root = evidenceRoots.get(f.sourceId);
      const maybeDump = f.kind === 'minidump' || extOf(name) === '.dmp';
      if (byName || (maybeDump && !!root && isLsassMinidump(evidencePath(root, f.relPath, f.relPathBytes)))) {
        out.push(fileFinding(CHECK.lsass, f, `LSASS memory dump${byName ? '' : ' (renamed; its module list names lsass.exe)'} at ${f.origPath}`, 'critical'));
        continue;
      }
    }
    if (isProgramData(f.origPath) && ARCHIVE_EXTS.includes(extOf(name))) {
      out.push(fileFinding(CHECK.archive, f, `Archive under ProgramData: ${f.origPath}`, 'high'));
    }
  }
  return out;
}
