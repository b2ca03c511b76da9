// Human formatting for the report: times in UTC plus the case display zone, sizes, refs.
import type { EvidenceRef, Micros } from '../../shared/types.ts';
import { microsToIso } from '../../shared/types.ts';

/** "2021-03-03 07:12:44 UTC" (microseconds kept when present). */
export function utcText(us: Micros | null | undefined): string {
  if (us === null || us === undefined || !Number.isFinite(us)) return '—';
  return microsToIso(us).replace('T', ' ').replace('Z', ' UTC');
}

/** The same instant in an IANA zone, "2021-03-03 08:12:44 Europe/Oslo"; null for UTC or an unknown zone. */
export function zoneText(us: Micros | null | undefined, zone: string | null | undefined): string | null {
  if (us === null || us === undefined || !Number.isFinite(us) || !zone || zone === 'UTC') return null;
  try {
    const parts = new Intl.DateTimeFormat('en-CA', {
      timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit',
      hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23',
    }).formatToParts(new Date(Math.floor(us / 1000)));
    const get = (t: string): string => parts.find((p) => p.type === t)?.value ?? '';
    return `${get('year')}-${get('month')}-${get('day')} ${get('hour')}:${get('minute')}:${get('second')} ${zone}`;
  } catch {
    return null;
  }
}

/** UTC, then the display zone in parentheses when it differs. */
export function timeText(us: Micros | null | undefined, zone: string | null | undefined): string {
  const local = zoneText(us, zone);
  return local ? `${utcText(us)} (${local})` : utcText(us);
}

export function bytesText(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  return `${v.toFixed(1)} ${units[i]} (${n.toLocaleString('en-US')} bytes)`;
}

/** "W3SVC1/u_ex210303.log:42", "Application.evtx#1234", "x.bin@0x1f". */
export function refText(ref: EvidenceRef): string {
  if (ref.line !== undefined && ref.line !== null) return `${ref.file}:${ref.line}`;
  if (ref.record !== undefined && ref.record !== null) return `${ref.file} record ${ref.record}`;
  if (ref.offset !== undefined && ref.offset !== null) return `${ref.file}@0x${ref.offset.toString(16)}`;
  return ref.file;
}
