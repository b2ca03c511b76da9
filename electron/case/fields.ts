// The one place that knows how an event's fields are stored in the case. Everything that reads fields (detections,
// queries, reports, exports) goes through these helpers, so the storage can change without touching the readers.
import type { FieldValue } from '../../shared/types.ts';
import type { Db } from './db.ts';

/** The event columns a reader must select (with its alias) so that `decodeFields` can rebuild the fields. */
export const FIELDS_COLUMNS = (alias = 'e'): string => `${col(alias)}fields`;

/** `alias.` or nothing (a query over the events table without an alias passes ''). */
const col = (alias: string): string => (alias ? `${alias}.` : '');

/** A stored row's fields; broken or missing storage reads as no fields (the event still counts). */
export function decodeFields(row: { fields?: string | null }): Record<string, FieldValue> {
  if (!row.fields) return {};
  try {
    const v = JSON.parse(row.fields) as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, FieldValue>) : {};
  } catch {
    return {};
  }
}

/** SQL reading one named field of the event aliased `alias` (NULL when absent); the name is bound, never spliced. */
export function fieldSql(name: string, alias = 'e'): { sql: string; params: unknown[] } {
  return { sql: `json_extract(${col(alias)}fields, ?)`, params: [`$."${name.replace(/"/g, '')}"`] };
}

/** SQL text holding every field value of the event (for a coarse LIKE prefilter; the exact test must follow). */
export const fieldsTextSql = (alias = 'e'): string => `${col(alias)}fields`;

/** How the case spells a field name: the name itself, the one spelling that differs only in case, or null when no
 *  event has such a field. Reads the stored names, so a miss costs one scan of the case (only asked for empty results). */
export function fieldSpelling(db: Db, name: string): string | null {
  const like = `%"${name.replace(/["\\%_]/g, (c) => `\\${c}`)}":%`;
  const rows = db.prepare(`SELECT ${FIELDS_COLUMNS('e')} FROM events e WHERE ${fieldsTextSql('e')} LIKE ? ESCAPE '\\' LIMIT 20`).all(like) as Array<{ fields: string | null }>;
  const lower = name.toLowerCase();
  for (const r of rows) {
    const keys = Object.keys(decodeFields(r));
    const hit = keys.find((k) => k === name) ?? keys.find((k) => k.toLowerCase() === lower);
    if (hit) return hit;
  }
  return null;
}
