// Display helpers: times in UTC or the case zone (microsecond precision kept), sizes, counts.
import { microsToIso } from '../../shared/types.ts';
import type { Micros, Verdict } from '../../shared/types.ts';

const fmtCache = new Map<string, Intl.DateTimeFormat>();

function zoneFormat(zone: string): Intl.DateTimeFormat | null {
  if (fmtCache.has(zone)) return fmtCache.get(zone)!;
  try {
    const f = new Intl.DateTimeFormat('en-CA', {
      timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit',
      second: '2-digit', hourCycle: 'h23', timeZoneName: 'shortOffset',
    });
    fmtCache.set(zone, f);
    return f;
  } catch {
    return null;
  }
}

/** "2021-03-03 04:22:11.123456" in UTC (suffix Z) or the given IANA zone (suffix GMT±h). */
export function formatTime(us: Micros | null | undefined, zone = 'UTC'): string {
  if (us === null || us === undefined || !Number.isFinite(us)) return '';
  const iso = microsToIso(us);
  const frac = (/\.(\d+)Z$/.exec(iso)?.[1] ?? '').padEnd(6, '0');
  if (zone === 'UTC') return `${iso.slice(0, 10)} ${iso.slice(11, 19)}.${frac}Z`;
  const f = zoneFormat(zone);
  if (!f) return `${iso} (bad zone ${zone})`;
  const p = Object.fromEntries(f.formatToParts(new Date(Math.floor(us / 1000))).map((x) => [x.type, x.value]));
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second}.${frac} ${p.timeZoneName ?? zone}`;
}

export function formatBytes(n: number | null | undefined): string {
  if (n === null || n === undefined) return '';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
}

export const formatCount = (n: number | null | undefined): string => (n === null || n === undefined ? '—' : n.toLocaleString('en-US'));

/** What the parser made of a file, in words: "270 read · 81 recovered · 2 unreadable" (zero counts after "read" left out). */
export function formatOutcome(o: { read: number; recovered: number; unreadable: number }): string {
  const parts = [`${formatCount(o.read)} read`];
  if (o.recovered) parts.push(`${formatCount(o.recovered)} recovered`);
  if (o.unreadable) parts.push(`${formatCount(o.unreadable)} unreadable`);
  return parts.join(' · ');
}

/**
 * A wave's badge from its checks' verdicts: reached (exploited/attempted) when one hit; "no trace" only when every
 * check read logs covering its window; otherwise it says how much the logs do not cover (never green then).
 */
export function waveState(verdicts: readonly Verdict[]): { cls: string; text: string } {
  if (verdicts.includes('exploited')) return { cls: 'exploited', text: 'reached the server (exploited)' };
  if (verdicts.includes('attempted')) return { cls: 'attempted', text: 'reached the server (attempted)' };
  const open = verdicts.filter((v) => v === 'not-covered' || v === 'not-assessed').length;
  if (!open) return { cls: 'no-evidence', text: 'no trace' };
  if (open === verdicts.length) return { cls: 'not-covered', text: 'the logs do not cover it' };
  return { cls: 'not-covered', text: `no trace in ${verdicts.length - open} of ${verdicts.length} checks; the logs do not cover the others` };
}

export function formatEta(s: number | null): string {
  if (s === null || !Number.isFinite(s)) return 'estimating…';
  if (s < 60) return `${Math.round(s)} s`;
  return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}

/** Where a path splits into its folder and its name (after the last / or \), for cells that must keep the name in view. */
export function splitPath(p: string): [string, string] {
  const cut = Math.max(p.lastIndexOf('\\'), p.lastIndexOf('/')) + 1;
  return [p.slice(0, cut), p.slice(cut)];
}
