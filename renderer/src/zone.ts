// Times typed by the analyst are read in the display zone (unless they carry Z or an offset), so what is typed
// matches what the grid shows.
import { isoToMicros } from '../../shared/types.ts';

const partsCache = new Map<string, Intl.DateTimeFormat>();

function partsFormat(zone: string): Intl.DateTimeFormat {
  let f = partsCache.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    partsCache.set(zone, f);
  }
  return f;
}

/** The zone's offset from UTC at a UTC instant, in milliseconds (Oslo in winter: +3,600,000). */
export function zoneOffsetMs(zone: string, utcMs: number): number {
  const p = Object.fromEntries(partsFormat(zone).formatToParts(new Date(utcMs)).map((x) => [x.type, x.value]));
  const asUtc = Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour, +p.minute, +p.second);
  return asUtc - Math.floor(utcMs / 1000) * 1000;
}

export function isValidZone(zone: string): boolean {
  try { partsFormat(zone); return true; } catch { return false; }
}

const LOCAL = /^(\d{4})-(\d\d)-(\d\d)(?:[ T](\d\d):(\d\d)(?::(\d\d)(?:\.(\d{1,6}))?)?)?$/;

/**
 * "2021-03-03 08:12", "2021-03-03T08:12:44.5" or "2021-03-03" in `zone` → microseconds UTC; an explicit Z or ±hh:mm
 * wins over the zone. NaN when it is not a time.
 */
export function parseZonedTime(text: string, zone: string): number {
  const s = text.trim();
  if (/(Z|[+-]\d\d:?\d\d)$/.test(s) && /\d[T ]\d/.test(s)) return isoToMicros(s.replace(' ', 'T'));
  const m = LOCAL.exec(s);
  if (!m) return NaN;
  const local = Date.UTC(+m[1], +m[2] - 1, +m[3], +(m[4] ?? 0), +(m[5] ?? 0), +(m[6] ?? 0));
  if (Number.isNaN(local)) return NaN;
  const frac = Number((m[7] ?? '').padEnd(6, '0'));
  if (zone === 'UTC') return local * 1000 + frac;
  // Two passes settle the offset that applies at the resulting instant (daylight-saving edges).
  let utc = local - zoneOffsetMs(zone, local);
  utc = local - zoneOffsetMs(zone, utc);
  return utc * 1000 + frac;
}

/** A time as the analyst would type it back in the zone ("2021-03-03 08:12:44"). */
export function formatZonedInput(us: number, zone: string): string {
  const ms = Math.floor(us / 1000);
  const shifted = zone === 'UTC' ? ms : ms + zoneOffsetMs(zone, ms);
  return new Date(shifted).toISOString().slice(0, 19).replace('T', ' ');
}
