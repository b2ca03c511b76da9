// IOC matching: file hashes (MD5/SHA-1/SHA-256), client IPs of events, original file paths (case-insensitive) and
// user agents. A path IOC on a stock Exchange file whose hash is in a loaded baseline is not reported.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Db } from '../case/db.ts';
import type { IngestWarning } from '../../shared/types.ts';
import { microsToIso } from '../../shared/types.ts';
import { parseIocText } from './ioc-import.ts';
import type { Indicator, IocFormat } from './ioc-import.ts';
import { isKnownGood } from './baseline.ts';
import type { Baseline } from './baseline.ts';
import { exchangeRelative, normWin } from './paths.ts';
import { lightEvents, writtenAt, type EventHit } from './rows.ts';
import type { FileInfo } from './rows.ts';
import { CHECK } from './types.ts';
import type { PendingFinding } from './types.ts';

export interface IocList { name: string; path: string; sha256: string; format: IocFormat; indicators: Indicator[] }

export function loadIocFile(file: string, warn: (w: IngestWarning) => void): IocList | null {
  try {
    const buf = fs.readFileSync(file);
    const parsed = parseIocText(buf.toString('utf8'), file);
    if (parsed.skipped) warn({ file, message: `${parsed.skipped} indicator(s) of a type Loupe cannot match or recognise were skipped` });
    return { name: path.basename(file), path: file, sha256: crypto.createHash('sha256').update(buf).digest('hex'), format: parsed.format, indicators: parsed.indicators };
  } catch (e) {
    warn({ file, message: `IOC list not readable: ${(e as Error).message} — skipped` });
    return null;
  }
}

interface Hit { indicator: Indicator; list: string }
type Index = Map<string, Hit[]>;

function indexBy(lists: IocList[], types: string[], key: (v: string) => string): Index {
  const idx: Index = new Map();
  for (const l of lists) for (const i of l.indicators) {
    if (!types.includes(i.type)) continue;
    const k = key(i.value);
    idx.set(k, [...(idx.get(k) ?? []), { indicator: i, list: l.name }]);
  }
  return idx;
}

const fileFinding = (check: string, f: FileInfo, title: string, hits: Hit[], severity: 'critical' | 'high' | 'low'): PendingFinding => {
  const t = writtenAt(f);
  return {
    finding: { check, severity, title, path: f.origPath, time: t === null ? null : microsToIso(t), sha256: f.sha256, evidence: [{ file: f.relPath }] },
    details: { indicators: hits.map((h) => ({ type: h.indicator.type, value: h.indicator.value, list: h.list, note: h.indicator.note ?? null })) },
    fileId: f.id,
  };
};

export function matchFileHashes(files: FileInfo[], lists: IocList[]): PendingFinding[] {
  const idx = indexBy(lists, ['sha256', 'sha1', 'md5'], (v) => v.toLowerCase());
  const out: PendingFinding[] = [];
  for (const f of files) {
    const hits = [f.sha256, f.sha1, f.md5].flatMap((h) => (h ? idx.get(h.toLowerCase()) ?? [] : []));
    if (hits.length) out.push(fileFinding(CHECK.iocHash, f, `Known-bad file hash: ${f.origPath}`, hits, 'critical'));
  }
  return out;
}

/** Path key: the full lower-case Windows path, and the part under the Exchange install folder (EP may differ). */
const pathKeys = (p: string): string[] => {
  const rel = exchangeRelative(p);
  return [normWin(p), ...(rel ? ['ep:' + normWin(rel)] : [])];
};

export function matchFilePaths(files: FileInfo[], lists: IocList[], baseline: Baseline): PendingFinding[] {
  const idx: Index = new Map();
  for (const l of lists) for (const i of l.indicators) {
    if (i.type !== 'path') continue;
    for (const k of pathKeys(i.value)) idx.set(k, [...(idx.get(k) ?? []), { indicator: i, list: l.name }]);
  }
  const out: PendingFinding[] = [];
  for (const f of files) {
    const hits = [...new Set(pathKeys(f.origPath).flatMap((k) => idx.get(k) ?? []))];
    if (!hits.length) continue;
    // A stock Exchange file with its baseline hash is not malicious; without a baseline, a path that is also a stock
    // file is only a low hint to check the hash (YARA judges the content).
    if (isKnownGood(baseline, f)) continue;
    const stockPath = hits.every((h) => h.indicator.legitimateExchangeFile);
    const p = stockPath
      ? fileFinding(CHECK.iocPath, f, `File at an IOC path that is also a stock Exchange file (verify its hash against a baseline): ${f.origPath}`, hits, 'low')
      : fileFinding(CHECK.iocPath, f, `File at a known web-shell path: ${f.origPath}`, hits, 'high');
    if (stockPath) p.details = { ...p.details, legitimateExchangeFile: true };
    out.push(p);
  }
  return out;
}

/** Events by client IP or user agent: one finding per indicator, listing every event. */
export function matchEvents(db: Db, lists: IocList[]): PendingFinding[] {
  const out: PendingFinding[] = [];
  const ips = indexBy(lists, ['ip'], (v) => v.toLowerCase());
  for (const [ip, hits] of ips) {
    const events = lightEvents(db, 'e.ip IN (?, ?)', [ip, hits[0].indicator.value]);
    if (events.length) {
      const f = eventFinding(CHECK.iocIp, `Activity from a known-bad IP ${hits[0].indicator.value}: ${events.length} event(s)`, events, hits);
      f.details = { ip: events[0].ip, ...f.details };
      out.push(f);
    }
  }
  const uas = indexBy(lists, ['user-agent'], (v) => v);
  for (const [ua, hits] of uas) {
    const events = lightEvents(db, 'e.user_agent = ?', [ua]); // the finding lists times, refs and ids: no field decoded
    if (events.length) out.push(eventFinding(CHECK.iocUserAgent, `Requests with a known-bad user agent "${ua}": ${events.length}`, events, hits));
  }
  return out;
}

function eventFinding(check: string, title: string, events: EventHit[], hits: Hit[]): PendingFinding {
  return {
    finding: { check, severity: 'high', title, path: null, time: microsToIso(events[0].ts), sha256: null, evidence: events.map((e) => e.ref) },
    details: {
      indicators: hits.map((h) => ({ type: h.indicator.type, value: h.indicator.value, list: h.list })),
      eventIds: events.map((e) => e.id),
    },
  };
}
